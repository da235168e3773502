extension Tokenizer {
    /// The ids of `text` cut to at most `maxLength` as transformers' `truncation=True` cuts them:
    /// the text's own ids are cut on the right so that, with the post-processor's tokens (when
    /// `addSpecialTokens`), the whole fits; those tokens are kept.
    /// - Precondition: `maxLength` ≥ 0.
    public func encode(_ text: String, addSpecialTokens: Bool, maxLength: Int) -> [Int] {
        let prefix = addSpecialTokens ? specialTokens.prefix : []
        let suffix = addSpecialTokens ? specialTokens.suffix : []
        var ids = prefix
        ids.reserveCapacity(prefix.count + text.utf8.count / 3 + suffix.count)
        encode(text, continuingEarlierText: false, into: &ids)
        ids.removeLast(max(0, min(ids.count - prefix.count, ids.count + suffix.count - maxLength)))
        ids += suffix
        // A copy of the right size: the samples a caller keeps take no more memory than their ids.
        return Array(ids.prefix(maxLength))
    }
}
