import Checkpoint

/// An integer-weight output format (int-quantized or pack-quantized) that can also write codes
/// computed elsewhere, with their scales and zero points: GPTQ chooses codes itself and leaves
/// only their layout to the format.
protocol IntegerWeightWriter: WeightQuantizer {
    /// The grid and granularity the codes, scales and zero points must have.
    var kernel: IntegerWeightKernel { get }

    /// Passes the bytes of this format's outputs for `weight` (in the order of `outputs`) to
    /// `emit`: `codes` holds `rows × columns` values in the grid's range, row-major; `scales` and
    /// `zeroPoints` one per element of the granularity's scale shape, row-major.
    func write<S: WeightStorage>(_ storage: S.Type, weight: TensorInfo, codes: UnsafePointer<Int8>,
                                 scales: UnsafePointer<S.Bits>, zeroPoints: UnsafePointer<Int8>, threads: Int,
                                 emit: (UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(ModifierError)
}
