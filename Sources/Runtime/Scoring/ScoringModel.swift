/// A model that gives the logits of every position of a token sequence run from an empty cache:
/// what perplexity needs, whichever backend computes them.
public protocol ScoringModel {
    /// The number of logits per position.
    var vocabularySize: Int { get }
    /// `tokens.count × vocabularySize` logits, row `i` predicting the token after `tokens[i]`.
    ///
    /// - Throws: ``RuntimeError/emptyInput``, ``RuntimeError/tokenOutOfRange(token:vocabularySize:)``,
    ///   or the backend's own failure.
    func logits(_ tokens: [Int]) throws(RuntimeError) -> Matrix
}

extension DecoderModel: ScoringModel {
    /// ``forward(_:cache:logits:)`` from a new cache.
    public func logits(_ tokens: [Int]) throws(RuntimeError) -> Matrix {
        try forward(tokens, cache: makeCache(capacity: tokens.count))
    }
}
