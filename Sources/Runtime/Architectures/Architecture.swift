import Checkpoint
import Foundation

/// One decoder-only architecture: how to read its config.json, what its blocks do, and how its
/// checkpoint names its tensors.
///
/// Implementations live one per file (`Llama.swift`, `Qwen3.swift`, …) and are listed in
/// ``ArchitectureRegistry``.
public protocol DecoderArchitecture {
    /// The configuration struct, decoded from config.json.
    associatedtype Configuration: DecoderConfiguration
    /// The `model_type` values this architecture serves.
    static var modelTypes: [String] { get }
    /// The forward-pass description for a configuration.
    static func spec(for configuration: Configuration) throws(RuntimeError) -> DecoderSpec
    /// Maps the checkpoint's tensor names to the names the runtime reads
    /// (`model.embed_tokens.weight`, `model.layers.N.self_attn.q_proj.weight`, …), dropping
    /// tensors that are not parameters.
    static func sanitize(weights: [String: Checkpoint.Tensor]) -> [String: Checkpoint.Tensor]
}

extension DecoderArchitecture {
    /// Drops buffers some exporters save beside the parameters (`rotary_emb.inv_freq`).
    public static func sanitize(weights: [String: Checkpoint.Tensor]) -> [String: Checkpoint.Tensor] {
        weights.filter { !$0.key.hasSuffix(".rotary_emb.inv_freq") }
    }
}

/// The table from `model_type` to architecture.
public enum ArchitectureRegistry {
    /// What loading needs from an architecture, with its configuration type erased.
    struct Entry {
        /// The spec of config.json (its bytes and path), checked against the checkpoint's tensors
        /// (sanitized) before the spec allocates anything per layer.
        let spec: (Data, String, [String: Checkpoint.Tensor]) throws(RuntimeError) -> DecoderSpec
        let sanitize: ([String: Checkpoint.Tensor]) -> [String: Checkpoint.Tensor]

        init<A: DecoderArchitecture>(_ architecture: A.Type) {
            spec = { (data, file, tensors) throws(RuntimeError) in
                let configuration = try JSONDecoder.configuration(A.Configuration.self, from: data, file: file)
                try configuration.transformer.checkLayers(against: tensors.keys, file: file)
                let spec = try A.spec(for: configuration)
                try spec.checkSlidingWindows(file: file)
                return spec
            }
            sanitize = A.sanitize(weights:)
        }
    }

    static let entries: [String: Entry] = {
        let all: [any DecoderArchitecture.Type] = [
            Llama.self, Mistral.self, Qwen2.self, Qwen3.self, Gemma.self, Gemma2.self, Phi3.self,
            Mixtral.self, Qwen2MoE.self, Qwen3MoE.self,
        ]
        var table: [String: Entry] = [:]
        for architecture in all {
            for type in architecture.modelTypes { table[type] = entry(architecture) }
        }
        return table
    }()

    private static func entry<A: DecoderArchitecture>(_ architecture: A.Type) -> Entry { Entry(architecture) }

    /// Every supported `model_type`, sorted.
    public static var modelTypes: [String] { entries.keys.sorted() }

    static func entry(modelType: String) throws(RuntimeError) -> Entry {
        guard let entry = entries[modelType] else {
            throw .unsupportedArchitecture(modelType: modelType, supported: modelTypes)
        }
        return entry
    }
}
