/// The split patterns of the byte-level tokenizers in wide use, matched by hand-written scans that
/// give exactly the matches the generic `ScalarRegex` program gives for them (leftmost-first
/// alternation, greedy runs), several times faster. Any other pattern runs the generic program.
enum KnownSplitPattern: Sendable {
    /// GPT-2's pattern (also SmolLM2's, Falcon's): `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+|
    /// ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    case gpt2
    /// The pattern of Llama 3 (digits in runs of at most 3) and of Qwen 2 (`maxDigits` 1):
    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|
    /// \s*[\r\n]+|\s+(?!\S)|\s+`.
    case llama3(maxDigits: Int)

    /// The known pattern spelled exactly as `pattern`, or nil.
    init?(_ pattern: String) {
        let contractions = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)"#
        let llama3Tail = #"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        switch pattern {
        case PreTokenizer.gpt2Pattern: self = .gpt2
        case contractions + #"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"# + llama3Tail: self = .llama3(maxDigits: 3)
        case contractions + #"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"# + llama3Tail: self = .llama3(maxDigits: 1)
        default: return nil
        }
    }

    /// Calls `body` with each match in `text`, in order, as `ScalarRegex.matches(in:)` returns
    /// them. Every scalar is covered: each one starts a match of these patterns.
    func forEachMatch(in scalars: UnsafeBufferPointer<Unicode.Scalar>, _ body: (Range<Int>) -> Void) {
        ScalarKind.withBasicPlane { basicPlane in
            let text = KindedText(scalars: scalars, basicPlane: basicPlane)
            var start = 0
            while start < text.count {
                let end: Int
                switch self {
                case .gpt2: end = KnownSplitPattern.gpt2MatchEnd(text, at: start)
                case let .llama3(maxDigits): end = KnownSplitPattern.llama3MatchEnd(text, at: start, maxDigits: maxDigits)
                }
                body(start..<end)
                start = end
            }
        }
    }

    /// The text being split, with the table of scalar kinds read once for the whole text rather
    /// than through the lazily initialized static at every scalar.
    private struct KindedText {
        let scalars: UnsafeBufferPointer<Unicode.Scalar>
        let basicPlane: UnsafeBufferPointer<ScalarKind>

        var count: Int { scalars.count }

        subscript(index: Int) -> Unicode.Scalar { scalars[index] }

        @inline(__always)
        func kind(at index: Int) -> ScalarKind {
            let value = Int(scalars[index].value)
            return value < basicPlane.count ? basicPlane[value] : ScalarKind.of(scalars[index])
        }
    }

    // MARK: GPT-2

    @inline(__always)
    private static func gpt2MatchEnd(_ text: KindedText, at start: Int) -> Int {
        if let end = contractionEnd(text, at: start, caseInsensitive: false) { return end }
        var first = start
        var kind = text.kind(at: start)
        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: a space joins the run after it.
        if text[start] == " " && start + 1 < text.count {
            let next = text.kind(at: start + 1)
            if next != .space {
                first = start + 1
                kind = next
            }
        }
        if kind != .space { return runEnd(text, from: first, of: kind) }
        return whitespaceEnd(text, at: start)
    }

    // MARK: Llama 3 and Qwen 2

    @inline(__always)
    private static func llama3MatchEnd(_ text: KindedText, at start: Int, maxDigits: Int) -> Int {
        if let end = contractionEnd(text, at: start, caseInsensitive: true) { return end }
        let scalar = text[start]
        let kind = text.kind(at: start)
        let isLineBreak = scalar == "\r" || scalar == "\n"
        // `[^\r\n\p{L}\p{N}]?\p{L}+`
        if kind == .letter { return runEnd(text, from: start, of: .letter) }
        if kind != .number && !isLineBreak && start + 1 < text.count && text.kind(at: start + 1) == .letter {
            return runEnd(text, from: start + 1, of: .letter)
        }
        // `\p{N}{1,3}`
        if kind == .number {
            var end = start + 1
            while end < text.count && end - start < maxDigits && text.kind(at: end) == .number { end += 1 }
            return end
        }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        var first = start
        if scalar == " " && start + 1 < text.count && text.kind(at: start + 1) == .other { first = start + 1 }
        if text.kind(at: first) == .other {
            var end = runEnd(text, from: first, of: .other)
            while end < text.count && (text[end] == "\r" || text[end] == "\n") { end += 1 }
            return end
        }
        // `\s*[\r\n]+`: the whitespace run up to and including its last line break.
        let runEnd = runEnd(text, from: start, of: .space)
        var lastBreak = runEnd - 1
        while lastBreak >= start && text[lastBreak] != "\r" && text[lastBreak] != "\n" { lastBreak -= 1 }
        if lastBreak >= start { return lastBreak + 1 }
        return whitespaceEnd(text, at: start)
    }

    // MARK: Shared pieces

    /// `'s|'t|'re|'ve|'m|'ll|'d`, in ASCII case or (with `caseInsensitive`) either case.
    @inline(__always)
    private static func contractionEnd(_ text: KindedText, at start: Int, caseInsensitive: Bool) -> Int? {
        guard text[start] == "'", start + 1 < text.count else { return nil }
        func letter(_ index: Int) -> UInt32? {
            guard index < text.count else { return nil }
            let value = text[index].value
            // ASCII upper case letters fold to lower case; case-sensitive patterns see them as they are.
            return caseInsensitive && value >= 0x41 && value <= 0x5A ? value | 0x20 : value
        }
        switch letter(start + 1) {
        case 0x73, 0x74, 0x6D, 0x64: return start + 2 // s t m d
        case 0x72, 0x76: return letter(start + 2) == 0x65 ? start + 3 : nil // re ve
        case 0x6C: return letter(start + 2) == 0x6C ? start + 3 : nil // ll
        default: return nil
        }
    }

    /// The end of the run of scalars of `kind` that starts at `first`.
    @inline(__always)
    private static func runEnd(_ text: KindedText, from first: Int, of kind: ScalarKind) -> Int {
        var end = first + 1
        while end < text.count && text.kind(at: end) == kind { end += 1 }
        return end
    }

    /// `\s+(?!\S)|\s+` at a whitespace scalar: the run, less its last scalar when more text follows
    /// and the run has more than one (that one joins the word after it).
    @inline(__always)
    private static func whitespaceEnd(_ text: KindedText, at start: Int) -> Int {
        let end = runEnd(text, from: start, of: .space)
        return end < text.count && end - start > 1 ? end - 1 : end
    }
}

/// What the known split patterns tell scalars apart by: `\p{L}`, `\p{N}`, `\s` (White_Space) and
/// the rest, with the same Unicode data `ScalarSet` uses.
enum ScalarKind: UInt8 {
    case letter, number, space, other

    /// The kind of each scalar of the Basic Multilingual Plane, computed once.
    private static let basicPlane: [ScalarKind] = (0..<0x10000).map { value in
        Unicode.Scalar(UInt32(value)).map(slowKind) ?? .other
    }

    /// Calls `body` with the kinds of the Basic Multilingual Plane, indexed by scalar value.
    static func withBasicPlane<Result>(_ body: (UnsafeBufferPointer<ScalarKind>) -> Result) -> Result {
        basicPlane.withUnsafeBufferPointer(body)
    }

    @inline(__always)
    static func of(_ scalar: Unicode.Scalar) -> ScalarKind {
        let value = Int(scalar.value)
        if value < 0x10000 { return basicPlane.withUnsafeBufferPointer { $0[value] } }
        return slowKind(scalar)
    }

    /// Kept out of line: inlined, its reading of the stdlib's resilient `Unicode.Scalar.Properties`
    /// would cost the split scans a metadata lookup and stack allocations at every word.
    @inline(never)
    private static func slowKind(_ scalar: Unicode.Scalar) -> ScalarKind {
        if scalar.properties.isWhitespace { return .space }
        let bit = ScalarSet.categoryBit(of: scalar)
        if bit & letterMask != 0 { return .letter }
        if bit & numberMask != 0 { return .number }
        return .other
    }

    private static let letterMask = ScalarSet.categoryMask(named: "L")!
    private static let numberMask = ScalarSet.categoryMask(named: "N")!
}
