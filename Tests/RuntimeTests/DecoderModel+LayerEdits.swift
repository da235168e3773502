@testable import Runtime

extension DecoderModel {
    /// This model with `change` made to each of its layers.
    func changingLayers(_ change: (inout DecoderLayer) -> Void) -> DecoderModel {
        DecoderModel(spec: spec, embedding: embedding, layers: layers.map { var layer = $0; change(&layer); return layer },
                     finalNorm: finalNorm, head: head)
    }

    /// How far this model's logits for `tokens` lie from `other`'s: the norm of their difference
    /// over the norm of `other`'s.
    func relativeLogitDistance(to other: DecoderModel, tokens: [Int]) throws -> Float {
        let a = try forward(tokens, cache: makeCache()).values
        let b = try other.forward(tokens, cache: other.makeCache()).values
        let difference = zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
        return difference / b.map { $0 * $0 }.reduce(0, +).squareRoot()
    }
}
