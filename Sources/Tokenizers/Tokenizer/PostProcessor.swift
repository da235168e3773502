/// A tokenizer.json `post_processor`: adds special tokens around an encoded sequence when
/// `addSpecialTokens` is requested.
///
/// Supported types: `TemplateProcessing` (its `single` template), `BertProcessing` and
/// `RobertaProcessing` (`cls` … `sep`), `ByteLevel` (offsets only, so nothing to do on ids) and `Sequence`.
indirect enum PostProcessor {
    case sequence([PostProcessor])
    /// The ids to put before and after the sequence.
    case surround(prefix: [Int], suffix: [Int])
    case none

    /// Reads a post-processor description.
    init(_ node: ConfigNode) throws(TokenizerError) {
        let type = try node.typeName()
        switch type {
        case "Sequence":
            var stages: [PostProcessor] = []
            for child in try node.required("processors").array() { stages.append(try PostProcessor(child)) }
            self = .sequence(stages)
        case "ByteLevel":
            self = .none
        case "TemplateProcessing":
            self = try PostProcessor.template(node)
        case "BertProcessing", "RobertaProcessing":
            self = .surround(prefix: [try PostProcessor.tokenPairId(node.required("cls"))],
                             suffix: [try PostProcessor.tokenPairId(node.required("sep"))])
        default:
            throw node.unsupported(type)
        }
    }

    /// The id of a `["[CLS]", 101]` pair.
    private static func tokenPairId(_ node: ConfigNode) throws(TokenizerError) -> Int {
        let items = try node.array()
        guard items.count == 2 else { throw node.invalid("expected a [token, id] pair") }
        return try items[1].integer()
    }

    /// The `single` template: special-token pieces before and after the one `Sequence` piece.
    private static func template(_ node: ConfigNode) throws(TokenizerError) -> PostProcessor {
        var specialIds: [String: [Int]] = [:]
        if let specials = try node.optional("special_tokens") {
            for (name, special) in try specials.members() {
                specialIds[name] = try special.required("ids").array().map { (item) throws(TokenizerError) -> Int in try item.integer() }
            }
        }
        var prefix: [Int] = [], suffix: [Int] = []
        var seenSequence = false
        for piece in try node.required("single").array() {
            if let sequence = try piece.optional("Sequence") {
                guard try sequence.string("id", default: "A") == "A", !seenSequence else {
                    throw sequence.invalid("a single-sequence template must use sequence A once")
                }
                seenSequence = true
            } else if let special = try piece.optional("SpecialToken") {
                let nameNode = try special.required("id")
                guard let ids = specialIds[try nameNode.string()] else {
                    throw nameNode.invalid("not listed in special_tokens")
                }
                if seenSequence { suffix += ids } else { prefix += ids }
            } else {
                throw piece.invalid("expected a Sequence or SpecialToken piece")
            }
        }
        guard seenSequence else { throw try node.required("single").invalid("the template has no Sequence piece") }
        return .surround(prefix: prefix, suffix: suffix)
    }

    /// The special tokens put before and after an encoded sequence.
    var affixes: (prefix: [Int], suffix: [Int]) {
        switch self {
        case let .sequence(stages):
            return stages.reduce(([], [])) { outer, stage in
                let inner = stage.affixes
                return (inner.prefix + outer.prefix, outer.suffix + inner.suffix)
            }
        case let .surround(prefix, suffix): return (prefix, suffix)
        case .none: return ([], [])
        }
    }
}
