import Architectures
import Checkpoint
import CompressedTensors

extension WeightStore {
    /// The quantization of attention module `attention`'s queries under attention quantization (a
    /// config group of input activations only with a target that matches the module narrowly), as
    /// compressed-tensors' query hook applies it when transformers runs the checkpoint: the
    /// post-RoPE queries (after Qwen3's query norm) rounded with the stored `q_scale`, one per
    /// tensor or one per attention head of `heads`, in the group's type (FP8 E4M3 or int8). Nil
    /// when no group quantizes the attention module itself.
    /// - Throws: `unsupportedQuantization` for such a group with weights or output activations, on
    ///   latent attention (`latent`), or with queries other than static symmetric 8-bit per tensor
    ///   or per head; `missingTensor` without `q_scale`; `tensorShape` for a `q_scale` that is
    ///   neither one value nor one per head.
    func queryQuantization(_ attention: String, heads: Int, headDim: Int, latent: Bool, architecture: Architecture) throws(RuntimeError) -> HeadQuantization? {
        guard let quantization else { return nil }
        guard let group = try quantization.attentionGroup(
            of: attention, children: architecture.submodules(of: attention, tensors: tensors.map { ($0.key, $0.value.info.shape) }),
            model: checkpoint.config) else { return nil }
        guard let args = group.scheme.inputActivations, group.scheme.weights == nil, group.scheme.outputActivations == nil else {
            throw .unsupportedQuantization(
                module: attention, reason: "config group '\(group.name)' targets the attention module itself with weights or output activations; attention quantization takes input activations only")
        }
        guard !latent else {
            throw .unsupportedQuantization(module: attention, reason: "attention quantization of latent attention (config group '\(group.name)')")
        }
        let grid = try QuantizationConfig.grid(of: args, module: attention)
        guard grid != .fp4, args.symmetric, args.dynamic == .off, args.strategy == .tensor || args.strategy == .attnHead else {
            throw .unsupportedQuantization(
                module: attention,
                reason: "queries quantized by config group '\(group.name)' (\(args.numBits)-bit \(args.type.rawValue), strategy \(args.strategy.rawValue)); only static symmetric 8-bit queries per tensor or per head run here")
        }
        let name = attention + ".q_scale"
        guard let tensor = tensors[name] else { throw .missingTensor(name) }
        let values = try scales(tensor)
        guard values.count == 1 || values.count == heads else {
            throw .tensorShape(tensor: tensor.name, expected: [heads, 1, 1], actual: tensor.info.shape)
        }
        return HeadQuantization(grid: grid, scales: values, heads: heads, headDim: headDim)
    }
}
