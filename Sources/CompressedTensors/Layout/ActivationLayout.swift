import Checkpoint
import Recipes

/// The parameters compressed-tensors 0.19 keeps beside a quantized Linear weight for its
/// activations (`initialize_qparams` in quantization/lifecycle/initialize.py; compression then
/// drops symmetric zero points): for static activations a scale (`input_scale`,
/// `output_scale`) in the weight's dtype, shaped by the strategy over the observed dimension
/// (a row of the input, a column of the output), and a zero point when asymmetric; for
/// tensor-group activations (NVFP4) an F32 `input_global_scale` [1], the scale itself being
/// computed at run time under `dynamic: local`. Dynamic activations store nothing.
public enum ActivationLayout {
    /// The activation parameters `module`, a `[rows, columns]` Linear layer under `scheme`, holds;
    /// `floatDType` is the weight's dtype, nil when unknown.
    public static func tensors(module: String, scheme: QuantizationScheme, rows: Int, columns: Int, floatDType: DType?) -> [StoredTensor] {
        var result: [StoredTensor] = []
        if let input = scheme.inputActivations {
            result += parameters(module + ".input", input, observed: columns, floatDType: floatDType)
        }
        if let output = scheme.outputActivations {
            result += parameters(module + ".output", output, observed: rows, floatDType: floatDType)
        }
        return result
    }

    /// `BASE_global_scale`, `BASE_scale` and `BASE_zero_point` as `args` call for, over `observed` values.
    private static func parameters(_ base: String, _ args: QuantizationArgs, observed: Int, floatDType: DType?) -> [StoredTensor] {
        if args.dynamic == .on { return [] }
        var result: [StoredTensor] = []
        if args.strategy == .tensorGroup {
            result.append(StoredTensor(name: base + "_global_scale", dtype: .f32, shape: [1]))
        }
        if args.dynamic == .local { return result }
        let shape: [Int]?
        switch args.strategy {
        case .tensor: shape = [1]
        case .group, .tensorGroup: shape = args.groupSize.map { [(observed + $0 - 1) / max($0, 1)] }
        default: shape = nil  // channel, block, token and head strategies need more dimensions than an activation row has
        }
        result.append(StoredTensor(name: base + "_scale", dtype: floatDType, shape: shape))
        if !args.symmetric {
            result.append(StoredTensor(name: base + "_zero_point", dtype: args.zeroPointDType, shape: shape))
        }
        return result
    }
}
