/// A tokenizer.json `decoder`: turns the token strings of a sequence of ids back into text.
/// Like the `tokenizers` library, each decoder maps a list of strings to a list of strings and
/// the results are concatenated.
///
/// Supported types: `Sequence`, `ByteLevel`, `ByteFallback`, `Metaspace`, `Fuse`, `Strip`, `Replace`.
indirect enum Decoder {
    case sequence([Decoder])
    /// Maps byte-level alphabet scalars back to bytes and decodes them as UTF-8 (invalid bytes become U+FFFD).
    case byteLevel
    /// Turns runs of `<0xXX>` tokens into the text of their bytes, or one U+FFFD per byte when invalid.
    case byteFallback
    /// Replaces the replacement scalar with a space; in the first token it is removed unless `prepend_scheme` is never.
    case metaspace(replacement: Unicode.Scalar, removesInFirstToken: Bool)
    /// Joins all tokens into one.
    case fuse
    /// Removes up to `start` leading and `stop` trailing `content` scalars from each token.
    case strip(content: Unicode.Scalar, start: Int, stop: Int)
    case replace(ScalarRegex, content: String)

    /// Reads a decoder description.
    init(_ node: ConfigNode) throws(TokenizerError) {
        let type = try node.typeName()
        switch type {
        case "Sequence":
            var stages: [Decoder] = []
            for child in try node.required("decoders").array() { stages.append(try Decoder(child)) }
            self = .sequence(stages)
        case "ByteLevel":
            self = .byteLevel
        case "ByteFallback":
            self = .byteFallback
        case "Metaspace":
            self = .metaspace(replacement: try node.scalar("replacement", default: "\u{2581}"),
                              removesInFirstToken: try PreTokenizer.prependScheme(node) != .never)
        case "Fuse":
            self = .fuse
        case "Strip":
            self = .strip(content: try node.scalar("content"), start: try node.required("start").integer(),
                          stop: try node.required("stop").integer())
        case "Replace":
            self = .replace(try node.required("pattern").pattern(), content: try node.required("content").string())
        default:
            throw node.unsupported(type)
        }
    }

    /// Decodes a list of token strings.
    func decode(_ tokens: [String]) -> [String] {
        switch self {
        case let .sequence(stages):
            return stages.reduce(tokens) { $1.decode($0) }
        case .byteLevel:
            var bytes: [UInt8] = []
            for token in tokens {
                let mapped = token.unicodeScalars.map(ByteLevelAlphabet.byte(for:))
                if mapped.allSatisfy({ $0 != nil }) {
                    bytes.append(contentsOf: mapped.map { $0! })
                } else {
                    bytes.append(contentsOf: token.utf8)
                }
            }
            return [String(decoding: bytes, as: UTF8.self)]
        case .byteFallback:
            var output: [String] = []
            var pending: [UInt8] = []
            func flush() {
                guard !pending.isEmpty else { return }
                if let text = String(validating: pending, as: UTF8.self) {
                    output.append(text)
                } else {
                    output.append(contentsOf: repeatElement("\u{FFFD}", count: pending.count))
                }
                pending.removeAll()
            }
            for token in tokens {
                if let byte = Decoder.fallbackByte(token) {
                    pending.append(byte)
                } else {
                    flush()
                    output.append(token)
                }
            }
            flush()
            return output
        case let .metaspace(replacement, removesInFirstToken):
            return tokens.enumerated().map { index, token in
                var result = String.UnicodeScalarView()
                for scalar in token.unicodeScalars {
                    if scalar != replacement {
                        result.append(scalar)
                    } else if index != 0 || !removesInFirstToken {
                        result.append(" ")
                    }
                }
                return String(result)
            }
        case .fuse:
            return [tokens.joined()]
        case let .strip(content, start, stop):
            return tokens.map { token in
                let scalars = Array(token.unicodeScalars)
                var lower = 0
                while lower < min(start, scalars.count) && scalars[lower] == content { lower += 1 }
                var upper = scalars.count
                while scalars.count - upper < stop && upper > lower && scalars[upper - 1] == content { upper -= 1 }
                return String(String.UnicodeScalarView(scalars[lower..<upper]))
            }
        case let .replace(pattern, content):
            return tokens.map { token in
                let scalars = Array(token.unicodeScalars)
                var result = String.UnicodeScalarView()
                var previous = 0
                for match in pattern.matches(in: scalars) {
                    result.append(contentsOf: scalars[previous..<match.lowerBound])
                    result.append(contentsOf: content.unicodeScalars)
                    previous = match.upperBound
                }
                result.append(contentsOf: scalars[previous...])
                return String(result)
            }
        }
    }

    /// The byte of a `<0xXX>` token, or nil for any other token.
    static func fallbackByte(_ token: String) -> UInt8? {
        let utf8 = Array(token.utf8)
        guard utf8.count == 6, utf8[0] == UInt8(ascii: "<"), utf8[1] == UInt8(ascii: "0"),
              utf8[2] == UInt8(ascii: "x"), utf8[5] == UInt8(ascii: ">") else { return nil }
        return UInt8(String(decoding: utf8[3...4], as: UTF8.self), radix: 16)
    }
}
