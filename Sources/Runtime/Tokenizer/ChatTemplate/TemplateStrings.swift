/// Python's `str` operations that templates call, by code point: searching, splitting,
/// stripping and replacing. Substrings are searched in the UTF-8 bytes, where a match of whole
/// characters is a match of bytes.
enum TemplateStrings {
    /// The byte offset of the first (or, with `fromEnd`, last) occurrence of `needle`.
    static func find(_ needle: String, in text: String, fromEnd: Bool = false) -> Int? {
        let bytes = Array(text.utf8), pattern = Array(needle.utf8)
        return find(pattern, in: bytes, from: 0, fromEnd: fromEnd)
    }

    /// The first (or last) occurrence of `pattern` within `bytes[start..<end]`.
    private static func find(_ pattern: [UInt8], in bytes: [UInt8], from start: Int, to end: Int? = nil, fromEnd: Bool = false) -> Int? {
        let end = end ?? bytes.count
        guard pattern.count <= end - start else { return nil }
        if pattern.isEmpty { return fromEnd ? end : start }
        func matches(at position: Int) -> Bool {
            guard bytes[position] == pattern[0] else { return false }
            for offset in 1..<pattern.count where bytes[position + offset] != pattern[offset] { return false }
            return true
        }
        let last = end - pattern.count
        if fromEnd {
            var position = last
            while position >= start {
                if matches(at: position) { return position }
                position -= 1
            }
        } else {
            var position = start
            while position <= last {
                if matches(at: position) { return position }
                position += 1
            }
        }
        return nil
    }

    /// The code point index of the character at byte `offset` of `text`.
    static func characterIndex(ofByte offset: Int, in text: String) -> Int {
        text.utf8.prefix(offset).reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
    }

    /// `text.count(needle)`: non-overlapping occurrences.
    static func count(_ needle: String, in text: String) -> Int {
        if needle.isEmpty { return text.unicodeScalars.count + 1 }
        return ranges(of: Array(needle.utf8), in: Array(text.utf8), limit: nil).count
    }

    /// The byte ranges of the first `limit` non-overlapping occurrences of `pattern`.
    private static func ranges(of pattern: [UInt8], in bytes: [UInt8], limit: Int?) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var start = 0
        while limit.map({ found.count < $0 }) ?? true, let position = find(pattern, in: bytes, from: start) {
            found.append(position..<(position + pattern.count))
            start = position + pattern.count
        }
        return found
    }

    /// `text.replace(old, new, count)`; a negative `count` replaces all.
    static func replace(_ old: String, with new: String, in text: String, count: Int) -> String {
        let limit = count < 0 ? nil : count
        if old.isEmpty {
            var result = ""
            var inserted = 0
            for scalar in text.unicodeScalars {
                if limit.map({ inserted < $0 }) ?? true {
                    result += new
                    inserted += 1
                }
                result.unicodeScalars.append(scalar)
            }
            if limit.map({ inserted < $0 }) ?? true { result += new }
            return result
        }
        let bytes = Array(text.utf8)
        var result: [UInt8] = []
        var start = 0
        for range in ranges(of: Array(old.utf8), in: bytes, limit: limit) {
            result += bytes[start..<range.lowerBound]
            result += Array(new.utf8)
            start = range.upperBound
        }
        result += bytes[start...]
        return String(decoding: result, as: UTF8.self)
    }

    /// `text.split(separator, maxsplit)` (`fromEnd`: `rsplit`). Without a separator, runs of
    /// whitespace separate and empty pieces are dropped.
    static func split(_ text: String, separator: String?, maxSplit: Int, fromEnd: Bool) -> [String] {
        let limit = maxSplit < 0 ? Int.max : maxSplit
        guard let separator else { return splitOnWhitespace(text, limit: limit, fromEnd: fromEnd) }
        let bytes = Array(text.utf8), pattern = Array(separator.utf8)
        var pieces: [String] = []
        if fromEnd {
            var end = bytes.count
            while pieces.count < limit, let position = find(pattern, in: bytes, from: 0, to: end, fromEnd: true) {
                pieces.append(String(decoding: bytes[(position + pattern.count)..<end], as: UTF8.self))
                end = position
            }
            pieces.append(String(decoding: bytes[..<end], as: UTF8.self))
            return pieces.reversed()
        }
        var start = 0
        for range in ranges(of: pattern, in: bytes, limit: limit) {
            pieces.append(String(decoding: bytes[start..<range.lowerBound], as: UTF8.self))
            start = range.upperBound
        }
        pieces.append(String(decoding: bytes[start...], as: UTF8.self))
        return pieces
    }

    private static func splitOnWhitespace(_ text: String, limit: Int, fromEnd: Bool) -> [String] {
        var scalars = Array(text.unicodeScalars)
        if fromEnd { scalars.reverse() }
        var pieces: [[Unicode.Scalar]] = []
        var index = 0
        while index < scalars.count {
            while index < scalars.count, PythonText.isWhitespace(scalars[index]) { index += 1 }
            guard index < scalars.count else { break }
            if pieces.count == limit {
                pieces.append(Array(scalars[index...]))
                break
            }
            let start = index
            while index < scalars.count, !PythonText.isWhitespace(scalars[index]) { index += 1 }
            pieces.append(Array(scalars[start..<index]))
        }
        if fromEnd { pieces = pieces.map { $0.reversed() }.reversed() }
        return pieces.map { String(String.UnicodeScalarView($0)) }
    }

    /// `text.strip(characters)` (or `lstrip`, `rstrip`): without characters, whitespace.
    static func strip(_ text: String, characters: String?, leading: Bool, trailing: Bool) -> String {
        let set = characters.map { Set($0.unicodeScalars) }
        let remove = { (scalar: Unicode.Scalar) in set?.contains(scalar) ?? PythonText.isWhitespace(scalar) }
        let scalars = text.unicodeScalars
        var start = scalars.startIndex, end = scalars.endIndex
        if leading { while start < end, remove(scalars[start]) { start = scalars.index(after: start) } }
        if trailing {
            while end > start, remove(scalars[scalars.index(before: end)]) { end = scalars.index(before: end) }
        }
        return String(scalars[start..<end])
    }

    /// `text.splitlines(keepends)`.
    static func splitLines(_ text: String, keepEnds: Bool = false) -> [String] {
        var lines: [String] = []
        var line = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        var pending = scalars.next()
        while let scalar = pending {
            pending = scalars.next()
            guard PythonText.isLineBoundary(scalar) else {
                line.append(scalar)
                continue
            }
            if keepEnds { line.append(scalar) }
            if scalar == "\r", pending == "\n" {
                if keepEnds { line.append("\n") }
                pending = scalars.next()
            }
            lines.append(String(line))
            line = String.UnicodeScalarView()
        }
        if !line.isEmpty { lines.append(String(line)) }
        return lines
    }
}
