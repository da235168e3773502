import Checkpoint
import Foundation

/// Mixtral: Mistral's blocks with a sparse mixture of SwiGLU experts
/// (`block_sparse_moe.experts.N.{w1,w3,w2}`: gate, up, down) in place of every MLP; the chosen
/// experts' weights are rescaled to sum to 1.
public enum Mixtral: DecoderArchitecture {
    public typealias Configuration = MixtureConfiguration
    public static let modelTypes = ["mixtral"]

    public static func spec(for configuration: MixtureConfiguration) throws(RuntimeError) -> DecoderSpec {
        let base = configuration.qwen.base
        var spec = DecoderSpec(base, tiedByDefault: false)
        spec.activation = try Activation(configName: base.hiddenActivation ?? "silu")
        spec.slidingWindows = base.slidingWindows { _ in true }
        spec.mixture = MixtureSpec(
            expertCount: configuration.expertCount, expertsPerToken: configuration.expertsPerToken,
            expertIntermediateSize: configuration.expertIntermediateSize ?? base.intermediateSize,
            sharedExpertIntermediateSize: nil, normalizeTopK: configuration.normalizeTopK ?? true,
            sparseLayers: Array(repeating: true, count: base.layerCount))
        return spec
    }

    /// Renames `block_sparse_moe.gate` to `mlp.gate` and the experts' `w1`, `w3`, `w2` to
    /// `mlp.experts.N.{gate,up,down}_proj`.
    public static func sanitize(weights: [String: Checkpoint.Tensor]) -> [String: Checkpoint.Tensor] {
        var renamed: [String: Checkpoint.Tensor] = [:]
        for (name, tensor) in weights where !name.hasSuffix(".rotary_emb.inv_freq") {
            var name = name.replacingOccurrences(of: ".block_sparse_moe.", with: ".mlp.")
            if name.contains(".mlp.experts.") {
                name = name.replacingOccurrences(of: ".w1.", with: ".gate_proj.")
                    .replacingOccurrences(of: ".w3.", with: ".up_proj.")
                    .replacingOccurrences(of: ".w2.", with: ".down_proj.")
            }
            renamed[name] = tensor
        }
        return renamed
    }
}
