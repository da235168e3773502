import Checkpoint
import Foundation
import JSON

/// A Hugging Face `tokenizer.json` tokenizer with a BPE model, giving the ids the `tokenizers`
/// library gives.
///
/// Encoding runs the library's pipeline: added tokens are cut out of the raw text (those marked
/// `normalized` out of the normalized text), each remaining stretch is normalized and
/// pre-tokenized into words, each word is encoded by the BPE model, and with `addSpecialTokens`
/// the post-processor adds its special tokens. Decoding maps ids to token strings and runs the
/// decoder over them.
///
/// Instances are safe to use from several threads: the only mutable state, the BPE word cache,
/// is behind a lock.
public final class Tokenizer: @unchecked Sendable {
    /// The beginning-of-sequence token id from tokenizer_config.json, when that file names one.
    public let bosTokenId: Int?
    /// The end-of-sequence token id from tokenizer_config.json, when that file names one.
    public let eosTokenId: Int?
    /// The model's Jinja chat template, when chat_template.jinja or tokenizer_config.json holds one.
    public let chatTemplate: ChatTemplateSource?
    /// tokenizer_config.json's `model_max_length`; nil when unset or beyond 64 bits (transformers'
    /// stand-in for "no limit" is 10^30).
    public let modelMaxLength: Int?
    /// tokenizer_config.json's named special tokens that are set (`bos_token`, `eos_token`,
    /// `unk_token`, `sep_token`, `pad_token`, `cls_token`, `mask_token`), which chat templates read.
    public let namedSpecialTokens: [String: String]
    /// The folder the tokenizer was loaded from; nil for one built from text.
    public let directory: String?

    private let model: BPEModel
    private let normalizer: Normalizer?
    private let preTokenizer: PreTokenizer?
    /// The post-processor's special tokens, put around the ids when `addSpecialTokens` is requested.
    let specialTokens: (prefix: [Int], suffix: [Int])
    private let decoder: Decoder?
    /// Added tokens by id, with the text decoding gives them.
    private let addedById: [Int: (text: String, special: Bool)]
    private let addedByContent: [String: Int]
    /// Added tokens matched in the raw input, and those matched after normalization.
    private let rawMatcher: AddedTokenMatcher
    private let normalizedMatcher: AddedTokenMatcher

    /// Loads `path`: a tokenizer.json file, or a folder containing one. A tokenizer_config.json
    /// beside it, when present, provides `bosTokenId` and `eosTokenId`; the chat template comes from
    /// chat_template.jinja beside it, else from tokenizer_config.json's `chat_template` (a string,
    /// or a list of named templates, of which the one named `default`).
    public convenience init(path: String) throws(TokenizerError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .cannotRead(path: path, reason: "no such file or directory")
        }
        let file = isDirectory.boolValue ? (path as NSString).appendingPathComponent("tokenizer.json") : path
        let json = try Tokenizer.readJSON(file)
        let configFile = ((file as NSString).deletingLastPathComponent as NSString).appendingPathComponent("tokenizer_config.json")
        let config = FileManager.default.fileExists(atPath: configFile) ? try Tokenizer.readConfig(configFile) : nil
        let chatTemplate = try ChatTemplateSource.find(besideTokenizer: file, config: config, configFile: configFile)
        try self.init(json: json, file: file, config: config, chatTemplate: chatTemplate,
                      directory: (file as NSString).deletingLastPathComponent)
    }

    /// Builds a tokenizer from the text of a tokenizer.json; `file` names it in errors.
    public convenience init(jsonText: String, file: String = "tokenizer.json") throws(TokenizerError) {
        let json: JSONValue
        do {
            json = try JSONParser.parse(jsonText)
        } catch {
            throw .invalidJSON(file: file, reason: error.description)
        }
        try self.init(json: json, file: file, config: nil, chatTemplate: nil, directory: nil)
    }

    /// The members of tokenizer_config.json, read with Foundation: unlike tokenizer.json, it
    /// often holds integers beyond 64 bits (`model_max_length`), which `JSONParser` refuses.
    private static func readConfig(_ file: String) throws(TokenizerError) -> [String: Any] {
        let data = try contents(of: file)
        do {
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw TokenizerError.invalidJSON(file: file, reason: "expected an object")
            }
            return object
        } catch let error as TokenizerError {
            throw error
        } catch {
            throw .invalidJSON(file: file, reason: error.localizedDescription)
        }
    }

    private static func readJSON(_ file: String) throws(TokenizerError) -> JSONValue {
        let data = try contents(of: file)
        let result = data.withUnsafeBytes { buffer in
            Result { () throws(JSONParser.Failure) -> JSONValue in try JSONParser.parse(buffer) }
        }
        switch result {
        case let .success(value): return value
        case let .failure(failure): throw .invalidJSON(file: file, reason: failure.description)
        }
    }

    /// The bytes of `file`, opened as the checkpoint reader opens files (`MappedFile`): anything
    /// but a regular file, such as a FIFO that would block the read for ever, is refused.
    static func contents(of file: String) throws(TokenizerError) -> Data {
        do {
            let mapped = try MappedFile(path: file)
            return withExtendedLifetime(mapped) { Data(mapped.bytes) }
        } catch {
            throw .unreadable(file, error)
        }
    }

    private init(json: JSONValue, file: String, config: [String: Any]?, chatTemplate: ChatTemplateSource?, directory: String?) throws(TokenizerError) {
        let root = ConfigNode(value: json, path: "", file: file)
        let modelNode = try root.required("model")
        let modelType = try modelNode.optional("type")?.string() ?? "BPE"
        guard modelType == "BPE" else { throw .unsupportedType(file: file, field: "model", type: modelType) }
        model = try BPEModel(modelNode)
        normalizer = try root.optional("normalizer").map { (node) throws(TokenizerError) in try Normalizer(node) }
        preTokenizer = try root.optional("pre_tokenizer").map { (node) throws(TokenizerError) in try PreTokenizer(node) }
        specialTokens = try root.optional("post_processor").map { (node) throws(TokenizerError) in try PostProcessor(node).affixes } ?? ([], [])
        decoder = try root.optional("decoder").map { (node) throws(TokenizerError) in try Decoder(node) }

        var raw: [AddedToken] = [], normalized: [AddedToken] = []
        var addedById: [Int: (String, Bool)] = [:]
        var addedByContent: [String: Int] = [:]
        for node in try root.optional("added_tokens")?.array() ?? [] {
            var token = try AddedToken(node)
            addedByContent[String(String.UnicodeScalarView(token.content))] = token.id
            if token.normalized, let normalizer {
                var piece = TextPiece(scalars: token.content, isAtInputStart: false)
                normalizer.normalize(&piece)
                token.content = piece.scalars
            }
            addedById[token.id] = (String(String.UnicodeScalarView(token.content)), token.special)
            if token.content.isEmpty { continue }
            if token.normalized { normalized.append(token) } else { raw.append(token) }
        }
        self.addedById = addedById
        self.addedByContent = addedByContent
        rawMatcher = AddedTokenMatcher(raw)
        normalizedMatcher = AddedTokenMatcher(normalized)

        bosTokenId = Tokenizer.specialTokenId("bos_token", in: config, addedByContent, model)
        eosTokenId = Tokenizer.specialTokenId("eos_token", in: config, addedByContent, model)
        self.chatTemplate = chatTemplate
        modelMaxLength = (config?["model_max_length"] as? Int).flatMap { $0 > 0 ? $0 : nil }
        namedSpecialTokens = Dictionary(uniqueKeysWithValues: ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]
            .compactMap { name in Tokenizer.specialTokenText(name, in: config).map { (name, $0) } })
        self.directory = directory
    }

    /// tokenizer_config.json's `NAME_id`, else the id of its `NAME` token.
    private static func specialTokenId(_ name: String, in config: [String: Any]?, _ addedByContent: [String: Int], _ model: BPEModel) -> Int? {
        if let id = config?["\(name)_id"] as? Int { return id }
        guard let content = specialTokenText(name, in: config) else { return nil }
        return addedByContent[content] ?? model.id(of: Array(content.unicodeScalars))
    }

    /// The text of tokenizer_config.json's special token `NAME`: a string, or an object with
    /// `content`; nil when unset or empty.
    private static func specialTokenText(_ name: String, in config: [String: Any]?) -> String? {
        let token = config?[name]
        guard let content = token as? String ?? (token as? [String: Any])?["content"] as? String, !content.isEmpty else { return nil }
        return content
    }

    /// The number of ids: one more than the largest id of the vocabulary and the added tokens.
    public var vocabularySize: Int {
        max(model.tokens.count, (addedById.keys.max() ?? -1) + 1)
    }

    /// The id of a token given by its text (an added token or a vocabulary entry), or nil.
    public func id(of token: String) -> Int? {
        addedByContent[token] ?? model.id(of: Array(token.unicodeScalars))
    }

    /// The text of the token `id`, or nil when no token has that id.
    public func token(for id: Int) -> String? {
        if let added = addedById[id] { return added.text }
        guard id >= 0 && id < model.tokens.count else { return nil }
        return model.tokens[id]
    }

    /// The ids of `text`; with `addSpecialTokens`, the post-processor's tokens (e.g. BOS) are added.
    /// - Complexity: O(n log n) in the length of the text; words seen before come from a cache.
    public func encode(_ text: String, addSpecialTokens: Bool = false) -> [Int] {
        var ids: [Int] = []
        ids.reserveCapacity(text.utf8.count / 3)
        if addSpecialTokens { ids += specialTokens.prefix }
        encode(text, continuingEarlierText: false, into: &ids)
        if addSpecialTokens { ids += specialTokens.suffix }
        return ids
    }

    /// Appends the ids of `text`, without the post-processor's tokens. With `continuingEarlierText`,
    /// `text` goes on from the text of an earlier call, and nothing is put in front of it (Prepend's
    /// and Metaspace's `▁`, ByteLevel's prefix space). A text cut after a line break that has a
    /// printable ASCII character on each side then gives, piece by piece, the ids of the whole
    /// with pre-tokenizers that end words at such a line break (the GPT-2, Llama-3 and Qwen
    /// patterns). Without a pre-tokenizer (SentencePiece-style BPE over the whole text), a merge
    /// across the cut is lost; a `Strip` normalizer strips each piece's ends.
    func encode(_ text: String, continuingEarlierText: Bool, into ids: inout [Int]) {
        let input = TextPiece(scalars: TextPiece.scalars(of: text), isAtInputStart: !continuingEarlierText,
                              continuesEarlierText: continuingEarlierText)
        for segment in Tokenizer.splitAddedTokens(input, rawMatcher) {
            switch segment {
            case let .token(id):
                ids.append(id)
            case var .text(piece):
                normalizer?.normalize(&piece)
                for inner in Tokenizer.splitAddedTokens(piece, normalizedMatcher) {
                    switch inner {
                    case let .token(id):
                        ids.append(id)
                    case let .text(piece):
                        if let preTokenizer {
                            preTokenizer.encodeWords(of: piece, with: model, into: &ids)
                        } else {
                            model.encode(piece.scalars, into: &ids)
                        }
                    }
                }
            }
        }
    }

    private static func splitAddedTokens(_ piece: TextPiece, _ matcher: AddedTokenMatcher) -> [AddedTokenMatcher.Segment] {
        if matcher.isEmpty { return [.text(piece)] }
        var segments: [AddedTokenMatcher.Segment] = []
        matcher.split(piece, into: &segments)
        return segments
    }

    /// The text of `ids`; ids without a token are ignored, and with `skipSpecialTokens` so are
    /// added tokens marked special.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
        var tokens: [String] = []
        tokens.reserveCapacity(ids.count)
        for id in ids {
            if let added = addedById[id] {
                if !(skipSpecialTokens && added.special) { tokens.append(added.text) }
            } else if id >= 0 && id < model.tokens.count, let token = model.tokens[id] {
                tokens.append(token)
            }
        }
        guard let decoder else { return tokens.joined(separator: " ") }
        return decoder.decode(tokens).joined()
    }
}
