import Checkpoint
import Recipes

extension QuantizationArgs {
    /// The safetensors dtype zero points are stored in (`zp_dtype`), or nil when it has none.
    var zeroPointDType: DType? { zpDtype.flatMap(DType.init(torchName:)) }
}
