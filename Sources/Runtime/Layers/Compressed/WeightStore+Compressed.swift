import Checkpoint
import CompressedTensors
import Foundation
import Recipes

extension WeightStore {
    /// A projection from `names` stacked by rows, as ``linear(_:outputs:inputFeatures:requireBias:)``
    /// gives it, except that modules stored compressed (compressed-tensors `weight` in F8_E4M3 or I8
    /// with a `weight_scale`, or `weight_packed`) stay compressed: each becomes a
    /// ``CompressedLinear`` (a ``W8A8Linear`` for int8 weights with per-token int8 activations)
    /// and several parts a ``StackedLinear``.
    func projection(_ names: [String], outputs: [Int], inputFeatures: Int, requireBias: Bool) throws(RuntimeError) -> any Linear {
        if names.allSatisfy(isDense) {
            return try linear(names, outputs: outputs, inputFeatures: inputFeatures, requireBias: requireBias)
        }
        var parts: [any Linear] = []
        for (name, rows) in zip(names, outputs) {
            parts.append(isDense(name)
                ? try linear([name], outputs: [rows], inputFeatures: inputFeatures, requireBias: requireBias)
                : try compressed(name, rows: rows, columns: inputFeatures, requireBias: requireBias))
        }
        return parts.count == 1 ? parts[0] : StackedLinear(parts)
    }

    /// The `[rows, columns]` table of embedding module `name` in f32: its float `weight`, or its
    /// compressed weight dequantized (a config group targeting `Embedding`).
    func table(_ name: String, rows: Int, columns: Int) throws(RuntimeError) -> [Float] {
        if isDense(name) { return try floats(name + ".weight", shape: [rows, columns]) }
        let group = try quantization?.group(for: checkpointModule(name), className: "Embedding")
        let weight: DequantizedWeight
        do {
            weight = try compressedWeights.weight(module: name, rows: rows, columns: columns, bits: group?.weightBits, block: group?.weightBlock)
        } catch { throw .compressedTensors(error) }
        return [Float](unsafeUninitializedCapacity: rows * columns) { buffer, initialized in
            weight.decode(rows: 0..<rows, into: buffer.baseAddress!)
            initialized = rows * columns
        }
    }

    /// Whether module `name` is a plain f32/bf16/f16 weight (or missing, which the dense loader reports).
    private func isDense(_ name: String) -> Bool {
        if contains(name + ".weight_packed") { return false }
        guard let weight = tensors[name + ".weight"] else { return true }
        return [.bf16, .f16, .f32].contains(weight.info.dtype)
    }

    /// The compressed layer of module `name`, a `[rows, columns]` weight, picked by its tensors'
    /// dtypes; activation quantization and scale blocks come from the config group that quantizes
    /// it, assigned as `oneshot` and `verify` assign it.
    private func compressed(_ name: String, rows: Int, columns: Int, requireBias: Bool) throws(RuntimeError) -> any Linear {
        let group = try quantization?.group(for: checkpointModule(name))
        if let weights = group?.scheme.weights, weights.strategy == .group || weights.strategy == .tensorGroup,
           let size = weights.groupSize, columns % size != 0 {
            throw .unsupportedQuantization(module: name, reason: "\(columns) columns are not a whole number of groups of group_size \(size)")
        }
        let bias = requireBias || contains(name + ".bias") ? try floats(name + ".bias", shape: [rows]) : nil
        var activations: ActivationQuantization? = nil
        if let quantization, let group {
            activations = try quantization.activations(of: group, module: name) { (stored) throws(RuntimeError) -> (scale: Float, zeroPoint: Float)? in
                switch stored {
                case .scale:
                    guard let scale = tensors[name + ".input_scale"], let value = try self.scales(scale).first else { return nil }
                    return (value, try self.inputZeroPoint(name, symmetric: group.scheme.inputActivations?.symmetric ?? true))
                case .global:
                    guard let global = tensors[name + ".input_global_scale"], let value = try self.scales(global).first else { return nil }
                    return (value, 0)
                }
            }
        }
        let weights: any WeightDecoder
        do {
            weights = try compressedWeights.weight(module: name, rows: rows, columns: columns, bits: group?.weightBits, block: group?.weightBlock).decoder
        } catch { throw .compressedTensors(error) }
        if let int8 = weights as? Int8Weights, activations?.isInt8PerToken == true, let layer = W8A8Linear(weights: int8, bias: bias) {
            return layer
        }
        return compressedLinear(weights, activations: activations, bias: bias)
    }

    /// The static `input_zero_point` of module `name` (one I8 value): 0 when its inputs are symmetric.
    /// - Throws: `missingTensor` when asymmetric inputs lack it, `unsupportedQuantization` when it is not
    ///   I8, `tensorShape` for more than one value.
    private func inputZeroPoint(_ name: String, symmetric: Bool) throws(RuntimeError) -> Float {
        if symmetric { return 0 }
        guard let tensor = tensors[name + ".input_zero_point"] else { throw .missingTensor(name + ".input_zero_point") }
        guard tensor.info.dtype == .i8 else {
            throw .unsupportedQuantization(module: name, reason: "'\(tensor.name)' has dtype \(tensor.info.dtype.rawValue); compressed-tensors stores an int8 input zero point as I8")
        }
        guard tensor.info.elementCount == 1 else { throw .tensorShape(tensor: tensor.name, expected: [1], actual: tensor.info.shape) }
        return Float(Int8(bitPattern: checkpoint.data(tensor)[0]))
    }

    /// A ``CompressedLinear`` over `weights`, whatever their decoder.
    private func compressedLinear<Weights: WeightDecoder>(_ weights: Weights, activations: ActivationQuantization?, bias: [Float]?) -> any Linear {
        CompressedLinear(weights: weights, activations: activations, bias: bias)
    }

    /// The values of the float scale tensor `tensor`, widened to f32.
    /// - Throws: `invalidTensor` unless every scale is positive and finite.
    func scales(_ tensor: Checkpoint.Tensor) throws(RuntimeError) -> [Float] {
        do { return try compressedWeights.scales(tensor) } catch { throw .compressedTensors(error) }
    }

    /// The checkpoint's compressed weights, read under the runtime's names.
    private var compressedWeights: CompressedWeightReader { CompressedWeightReader(checkpoint: checkpoint, tensors: tensors) }

    /// The name the checkpoint, and so its quantization_config, gives module `name`, which the
    /// architecture may have renamed (``DecoderArchitecture/sanitize(weights:)``).
    private func checkpointModule(_ name: String) -> String {
        for parameter in ["weight", "weight_packed"] {
            if let tensor = tensors[name + "." + parameter] { return String(tensor.name.dropLast(parameter.count + 1)) }
        }
        return name
    }
}

extension WeightStore {
    /// The key/value cache of attention module `attention` (`model.layers.N.self_attn`) when the
    /// checkpoint holds its `k_scale` and `v_scale` (compressed-tensors' `kv_cache_scheme`, which
    /// attention quantization sets to its group's arguments): symmetric FP8, or int8, symmetric or
    /// with its `k_zero_point` and `v_zero_point`; nil without scales.
    /// - Throws: `unsupportedQuantization` without a `kv_cache_scheme`, for a cache other than
    ///   8-bit (float: symmetric), or for zero points not stored as I8; `missingTensor` for an
    ///   asymmetric cache without zero points; `tensorShape` for scales or zero points that are
    ///   neither one per tensor nor one per key/value head.
    func keyValueCache(_ attention: String, heads: Int, headDim: Int) throws(RuntimeError) -> KeyValueCacheQuantization? {
        let names = KeyValueCacheLayout.scaleNames(module: attention), zeroPointNames = KeyValueCacheLayout.zeroPointNames(module: attention)
        guard let key = tensors[names.key], let value = tensors[names.value] else { return nil }
        guard let scheme = quantization?.keyValueCacheScheme else {
            throw .unsupportedQuantization(module: attention, reason: "k_scale and v_scale without a kv_cache_scheme giving their type")
        }
        guard scheme.numBits == 8, scheme.symmetric || scheme.type == .int else {
            throw .unsupportedQuantization(
                module: attention,
                reason: "a\(scheme.symmetric ? "" : "n asymmetric") \(scheme.numBits)-bit \(scheme.type.rawValue) KV cache (kv_cache_scheme); only FP8 (symmetric) or int8 runs here")
        }
        func perHead(_ tensor: Checkpoint.Tensor, _ values: [Float]) throws(RuntimeError) -> [Float] {
            guard values.count == 1 || values.count == heads else {
                throw .tensorShape(tensor: tensor.name, expected: [heads, 1, 1], actual: tensor.info.shape)
            }
            return values
        }
        func zeroPoints(_ name: String) throws(RuntimeError) -> [Float] {
            if scheme.symmetric { return [] }
            guard let tensor = tensors[name] else { throw .missingTensor(name) }
            guard tensor.info.dtype == .i8 else {
                throw .unsupportedQuantization(module: attention, reason: "\(tensor.name) stored as \(tensor.info.dtype.rawValue); an int8 KV cache's zero points are I8")
            }
            return try perHead(tensor, checkpoint.data(tensor).map { Float(Int8(bitPattern: $0)) })
        }
        return KeyValueCacheQuantization(
            grid: scheme.type == .float ? .fp8 : .int8, keyScales: try perHead(key, scales(key)), valueScales: try perHead(value, scales(value)),
            keyZeroPoints: try zeroPoints(zeroPointNames.key), valueZeroPoints: try zeroPoints(zeroPointNames.value),
            heads: heads, headDim: headDim)
    }
}
