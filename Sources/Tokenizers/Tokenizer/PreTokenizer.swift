/// A tokenizer.json `pre_tokenizer`: cuts normalized text into the words the model encodes one by one.
///
/// Supported types: `Sequence`, `Split` (string or regex pattern, every split behavior, `invert`),
/// `ByteLevel` (GPT-2's pattern with `use_regex`, `add_prefix_space`), `Metaspace`
/// (`replacement`, `prepend_scheme` always/first/never, `split`), `Digits`, `Whitespace` and
/// `WhitespaceSplit`.
indirect enum PreTokenizer {
    case sequence([PreTokenizer])
    case split(ScalarRegex, behavior: SplitBehavior, invert: Bool)
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
    case metaspace(replacement: Unicode.Scalar, prepend: PrependScheme, split: Bool)
    /// Splits digits off: each on its own, or runs of them together.
    case digits(individually: Bool)
    /// Keeps runs of word scalars and runs of other non-space scalars (`\w+|[^\w\s]+`).
    case whitespace
    /// Splits on White_Space, dropping it.
    case whitespaceSplit

    /// When Metaspace puts its replacement in front of a piece.
    enum PrependScheme: String {
        case always, first, never
    }

    /// The pattern GPT-2's byte-level pre-tokenizer splits with.
    static let gpt2Pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    private static let gpt2Regex = try! ScalarRegex(gpt2Pattern)
    private static let whitespaceRegex = try! ScalarRegex(#"\w+|[^\w\s]+"#)
    private static let spaceRegex = try! ScalarRegex(#"\s+"#)
    private static let digitSet = ScalarSet(items: [.categories(ScalarSet.categoryMask(named: "N")!, negated: false)])

    /// Reads a pre-tokenizer description.
    init(_ node: ConfigNode) throws(TokenizerError) {
        let type = try node.typeName()
        switch type {
        case "Sequence":
            var stages: [PreTokenizer] = []
            for child in try node.required("pretokenizers").array() { stages.append(try PreTokenizer(child)) }
            self = .sequence(stages)
        case "Split":
            let behaviorNode = try node.required("behavior")
            guard let behavior = SplitBehavior(rawValue: try behaviorNode.string()) else {
                throw behaviorNode.invalid("unknown split behavior")
            }
            self = .split(try node.required("pattern").pattern(), behavior: behavior, invert: try node.bool("invert", default: false))
        case "ByteLevel":
            self = .byteLevel(addPrefixSpace: try node.bool("add_prefix_space", default: true), useRegex: try node.bool("use_regex", default: true))
        case "Metaspace":
            self = .metaspace(replacement: try node.scalar("replacement", default: "\u{2581}"),
                              prepend: try PreTokenizer.prependScheme(node),
                              split: try node.bool("split", default: true))
        case "Digits":
            self = .digits(individually: try node.bool("individual_digits", default: false))
        case "Whitespace":
            self = .whitespace
        case "WhitespaceSplit":
            self = .whitespaceSplit
        default:
            throw node.unsupported(type)
        }
    }

    /// Metaspace's `prepend_scheme`, or the older `add_prefix_space` flag it replaced.
    static func prependScheme(_ node: ConfigNode) throws(TokenizerError) -> PrependScheme {
        if let schemeNode = try node.optional("prepend_scheme") {
            guard let scheme = PrependScheme(rawValue: try schemeNode.string()) else {
                throw schemeNode.invalid("expected \"always\", \"first\" or \"never\"")
            }
            return scheme
        }
        return try node.bool("add_prefix_space", default: true) ? .always : .never
    }

    /// Splits every piece in turn.
    func preTokenize(_ pieces: [TextPiece]) -> [TextPiece] {
        if case let .sequence(stages) = self {
            return stages.reduce(pieces) { $1.preTokenize($0) }
        }
        var output: [TextPiece] = []
        output.reserveCapacity(pieces.count * 4)
        for piece in pieces { split(piece, into: &output) }
        return output
    }

    /// Appends the ids `model` gives the words of `piece`: the ids of `preTokenize([piece])`'s words
    /// one by one, under one hold of the model's word cache. A byte-level pre-tokenizer (GPT-2's,
    /// or Llama 3's `Split` then `ByteLevel`) looks its words up by their text, and maps a word to
    /// its byte-level alphabet, in one buffer reused from word to word, only when it is not cached.
    func encodeWords(of piece: TextPiece, with model: BPEModel, into ids: inout [Int]) {
        guard let byteLevel = byteLevelSplit else {
            let words = preTokenize([piece])
            model.withCache { cache in
                for word in words { model.encode(word.scalars, into: &ids, cache: cache) }
            }
            return
        }
        var word: [Unicode.Scalar] = []
        word.reserveCapacity(64)
        model.withCache { cache in
            PreTokenizer.byteLevelWords(of: piece, splitBy: byteLevel.pattern, addPrefixSpace: byteLevel.addPrefixSpace) { text, _ in
                model.encodeByteLevelWord(text: text, into: &ids, cache: cache) {
                    word.removeAll(keepingCapacity: true)
                    ByteLevelAlphabet.append(text, to: &word)
                    return word
                }
            }
        }
    }

    /// How a byte-level pre-tokenizer splits (GPT-2's `ByteLevel`, or a `Split` with the `Isolated`
    /// behavior then a `ByteLevel` without a split of its own, as Llama 3's); nil for other pre-tokenizers.
    private var byteLevelSplit: (pattern: ScalarRegex?, addPrefixSpace: Bool)? {
        switch self {
        case let .byteLevel(addPrefixSpace, useRegex):
            return (useRegex ? PreTokenizer.gpt2Regex : nil, addPrefixSpace)
        case let .sequence(stages):
            if stages.count == 2, case let .split(pattern, .isolated, false) = stages[0], case .byteLevel(false, false) = stages[1] {
                return (pattern, false)
            }
            return nil
        default:
            return nil
        }
    }

    /// Calls `body` with the text of each word of ByteLevel's split of `piece` (after the prefix
    /// space, when added), not yet mapped to the byte-level alphabet, and the offset of the word in
    /// the piece. The text is valid only during the call.
    private static func byteLevelWords(of piece: TextPiece, splitBy pattern: ScalarRegex?, addPrefixSpace: Bool,
                                       _ body: (_ text: UnsafeBufferPointer<Unicode.Scalar>, _ start: Int) -> Void) {
        var scalars = piece.scalars
        if addPrefixSpace && !piece.continuesEarlierText && !scalars.isEmpty && scalars.first != " " { scalars.insert(" ", at: 0) }
        scalars.withUnsafeBufferPointer { buffer in
            func emit(_ range: Range<Int>) { body(UnsafeBufferPointer(rebasing: buffer[range]), range.lowerBound) }
            // The parts of `SplitBehavior.isolated`: each match, and each stretch between matches.
            var previous = 0
            func isolate(_ match: Range<Int>) {
                if previous < match.lowerBound { emit(previous..<match.lowerBound) }
                if !match.isEmpty { emit(match) }
                previous = match.upperBound
            }
            if let pattern { pattern.forEachMatch(in: scalars, isolate) } else { isolate(0..<buffer.count) }
            if previous < buffer.count { emit(previous..<buffer.count) }
        }
    }

    private func split(_ piece: TextPiece, into output: inout [TextPiece]) {
        switch self {
        case let .sequence(stages):
            output.append(contentsOf: stages.reduce([piece]) { $1.preTokenize($0) })
        case let .split(pattern, behavior, invert):
            behavior.split(piece, matches: pattern.matches(in: piece.scalars), invert: invert, into: &output)
        case let .byteLevel(addPrefixSpace, useRegex):
            PreTokenizer.byteLevelWords(of: piece, splitBy: useRegex ? PreTokenizer.gpt2Regex : nil, addPrefixSpace: addPrefixSpace) { text, start in
                output.append(TextPiece(scalars: ByteLevelAlphabet.encode(text), isAtInputStart: piece.isAtInputStart && start == 0,
                                        continuesEarlierText: piece.continuesEarlierText && start == 0))
            }
        case let .metaspace(replacement, prepend, split):
            var piece = piece
            for i in piece.scalars.indices where piece.scalars[i] == " " { piece.scalars[i] = replacement }
            let prepends = !piece.continuesEarlierText && (prepend == .always || (prepend == .first && piece.isAtInputStart))
            if prepends && !piece.scalars.isEmpty && piece.scalars.first != replacement {
                piece.scalars.insert(replacement, at: 0)
            }
            if split {
                let matches = piece.scalars.indices.filter { piece.scalars[$0] == replacement }.map { $0..<($0 + 1) }
                SplitBehavior.mergedWithNext.split(piece, matches: matches, into: &output)
            } else if !piece.scalars.isEmpty {
                output.append(piece)
            }
        case let .digits(individually):
            let matches = piece.scalars.indices.filter { PreTokenizer.digitSet.contains(piece.scalars[$0]) }.map { $0..<($0 + 1) }
            (individually ? SplitBehavior.isolated : .contiguous).split(piece, matches: matches, into: &output)
        case .whitespace:
            SplitBehavior.removed.split(piece, matches: PreTokenizer.whitespaceRegex.matches(in: piece.scalars), invert: true, into: &output)
        case .whitespaceSplit:
            SplitBehavior.removed.split(piece, matches: PreTokenizer.spaceRegex.matches(in: piece.scalars), into: &output)
        }
    }
}
