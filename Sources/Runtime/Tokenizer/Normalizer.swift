import Foundation

/// A tokenizer.json `normalizer`: rewrites each stretch of text between added tokens before
/// pre-tokenization.
///
/// Supported types: `Sequence`, `Prepend`, `Replace` (string or regex pattern), `Strip`,
/// `Lowercase`, `NFC`, `NFD`, `NFKC`, `NFKD` and `ByteLevel`.
indirect enum Normalizer {
    case sequence([Normalizer])
    /// Puts `prefix` in front of non-empty text (SentencePiece's `▁`) that does not continue earlier text.
    case prepend([Unicode.Scalar])
    /// Replaces every match of the pattern with `content`.
    case replace(ScalarRegex, content: [Unicode.Scalar])
    /// Removes White_Space scalars from the left and/or right end.
    case strip(left: Bool, right: Bool)
    case lowercase
    case unicode(UnicodeForm)
    /// Replaces every scalar by the byte-level alphabet scalars of its UTF-8 bytes.
    case byteLevel

    /// The four Unicode normalization forms.
    enum UnicodeForm: String {
        case nfc = "NFC", nfd = "NFD", nfkc = "NFKC", nfkd = "NFKD"
    }

    /// Reads a normalizer description.
    init(_ node: ConfigNode) throws(TokenizerError) {
        let type = try node.typeName()
        switch type {
        case "Sequence":
            var stages: [Normalizer] = []
            for child in try node.required("normalizers").array() { stages.append(try Normalizer(child)) }
            self = .sequence(stages)
        case "Prepend":
            self = .prepend(Array(try node.required("prepend").string().unicodeScalars))
        case "Replace":
            self = .replace(try node.required("pattern").pattern(), content: Array(try node.required("content").string().unicodeScalars))
        case "Strip":
            self = .strip(left: try node.bool("strip_left", default: true), right: try node.bool("strip_right", default: true))
        case "Lowercase":
            self = .lowercase
        case "ByteLevel":
            self = .byteLevel
        default:
            guard let form = UnicodeForm(rawValue: type) else { throw node.unsupported(type) }
            self = .unicode(form)
        }
    }

    /// Normalizes one piece of text.
    func normalize(_ piece: inout TextPiece) {
        switch self {
        case let .sequence(stages):
            for stage in stages { stage.normalize(&piece) }
        case let .prepend(prefix):
            if !piece.scalars.isEmpty && !piece.continuesEarlierText { piece.scalars.insert(contentsOf: prefix, at: 0) }
        case let .replace(pattern, content):
            let matches = pattern.matches(in: piece.scalars)
            guard !matches.isEmpty else { return }
            var result: [Unicode.Scalar] = []
            result.reserveCapacity(piece.scalars.count)
            var previous = 0
            for match in matches {
                result.append(contentsOf: piece.scalars[previous..<match.lowerBound])
                result.append(contentsOf: content)
                previous = match.upperBound
            }
            result.append(contentsOf: piece.scalars[previous...])
            piece.scalars = result
        case let .strip(left, right):
            if right {
                while let last = piece.scalars.last, last.properties.isWhitespace { piece.scalars.removeLast() }
            }
            if left {
                let leading = piece.scalars.prefix { $0.properties.isWhitespace }.count
                if leading > 0 {
                    piece.scalars.removeFirst(leading)
                    piece.isAtInputStart = false
                }
            }
        case .lowercase:
            guard piece.scalars.contains(where: { $0.properties.changesWhenLowercased }) else { return }
            piece.scalars = piece.scalars.flatMap { scalar -> [Unicode.Scalar] in
                scalar.properties.changesWhenLowercased ? Array(scalar.properties.lowercaseMapping.unicodeScalars) : [scalar]
            }
        case let .unicode(form):
            guard piece.scalars.contains(where: { !$0.isASCII }) else { return }
            var text = ""
            text.unicodeScalars.append(contentsOf: piece.scalars)
            let normalized: String
            switch form {
            case .nfc: normalized = text.precomposedStringWithCanonicalMapping
            case .nfd: normalized = text.decomposedStringWithCanonicalMapping
            case .nfkc: normalized = text.precomposedStringWithCompatibilityMapping
            case .nfkd: normalized = text.decomposedStringWithCompatibilityMapping
            }
            piece.scalars = Array(normalized.unicodeScalars)
        case .byteLevel:
            piece.scalars = ByteLevelAlphabet.encode(piece.scalars[...])
        }
    }
}
