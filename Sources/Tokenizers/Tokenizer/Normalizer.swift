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

    /// How much longer normalization may make a text: at most `factor × n + constant` scalars out
    /// of `n`. A larger normalizer (such as thirty chained `Replace a → aa`, 2^30 times) is refused
    /// when it is read, so that normalized text, and the memory it takes, stays in proportion.
    static let maxLengthBound = (factor: 128, constant: 4096)

    /// Reads a normalizer description.
    /// - Throws: `invalidField` when it may lengthen a text beyond `maxLengthBound`.
    init(_ node: ConfigNode) throws(TokenizerError) {
        try self.init(stage: node)
        let bound = lengthBound
        guard bound.factor <= Self.maxLengthBound.factor, bound.constant <= Self.maxLengthBound.constant else {
            throw node.invalid("can make a text \(bound.factor) times longer (plus \(bound.constant) characters); "
                               + "at most \(Self.maxLengthBound.factor) times (plus \(Self.maxLengthBound.constant)) is accepted")
        }
    }

    /// An upper bound `factor × n + constant` on the length of a normalized text of `n` scalars
    /// (saturating at `Int.max`): a `Replace` multiplies by the length of its content (each match
    /// takes at least one scalar); Unicode normalization by its longest decomposition (NFKC and
    /// NFKD 18, NFD 4, NFC 3); lowercasing by 3; byte-level encoding by 4 (UTF-8 bytes).
    var lengthBound: (factor: Int, constant: Int) {
        switch self {
        case let .sequence(stages):
            return stages.reduce((1, 0)) { total, stage in
                let next = stage.lengthBound
                let factor = total.factor.multipliedReportingOverflow(by: next.factor)
                let scaled = total.constant.multipliedReportingOverflow(by: next.factor)
                let constant = scaled.partialValue.addingReportingOverflow(next.constant)
                return (factor.overflow ? .max : factor.partialValue,
                        scaled.overflow || constant.overflow ? .max : constant.partialValue)
            }
        case let .prepend(prefix): return (1, prefix.count)
        case let .replace(_, content): return (max(1, content.count), 0)
        case .strip: return (1, 0)
        case .lowercase: return (3, 0)
        case let .unicode(form): return (form == .nfc ? 3 : form == .nfd ? 4 : 18, 0)
        case .byteLevel: return (4, 0)
        }
    }

    /// Reads one normalizer, a sequence's stages included, unchecked.
    private init(stage node: ConfigNode) throws(TokenizerError) {
        let type = try node.typeName()
        switch type {
        case "Sequence":
            var stages: [Normalizer] = []
            for child in try node.required("normalizers").array() { stages.append(try Normalizer(stage: child)) }
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
            guard !TextPiece.isASCII(piece.scalars) else { return }
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
