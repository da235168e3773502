import CKernels
import Foundation

/// The gate activation of a gated MLP: `down(act(gate(x)) · up(x))`.
public enum Activation: String, Sendable {
    /// `x·σ(x)` (SwiGLU).
    case silu
    /// GELU with the tanh approximation (`gelu_pytorch_tanh`, GeGLU in Gemma).
    case geluTanh
    /// GELU with the exact error function.
    case gelu

    /// The activation config.json names `name` (`hidden_act` / `hidden_activation`).
    public init(configName name: String) throws(RuntimeError) {
        switch name {
        case "silu", "swish": self = .silu
        case "gelu_pytorch_tanh", "gelu_new", "gelu_fast": self = .geluTanh
        case "gelu": self = .gelu
        default: throw .invalidConfiguration(file: "config.json", reason: "hidden activation '\(name)' is not supported")
        }
    }

    /// `out[i] = act(gate[i]) · up[i]` for `count` elements.
    func gatedProduct(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .silu:
            ck_silu_product(gate, up, out, count)
        case .geluTanh:
            let c: Float = 0.797_884_560_802_865_4  // √(2/π)
            for i in 0..<count {
                let x = gate[i]
                out[i] = 0.5 * x * (1 + Foundation.tanh(c * (x + 0.044_715 * x * x * x))) * up[i]
            }
        case .gelu:
            for i in 0..<count {
                let x = gate[i]
                out[i] = 0.5 * x * (1 + Foundation.erf(x * 0.707_106_781_186_547_5)) * up[i]
            }
        }
    }
}
