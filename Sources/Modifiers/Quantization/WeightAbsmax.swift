import Checkpoint

/// The largest magnitude of a weight, as its dtype holds it (so exactly, as a Float).
enum WeightAbsmax {
    /// `max |w|` over `data`, the bytes of `weight`.
    /// - Throws: `nonFinite` naming the first row with a NaN or infinity; `unquantizableWeight`
    ///   for a dtype other than BF16, F16 or F32.
    static func of(_ weight: TensorInfo, data: UnsafeRawBufferPointer, threads: Int, allowNonFinite: Bool) throws(ModifierError) -> Float {
        switch weight.dtype {
        case .bf16: return try of(BF16Storage.self, weight, data, threads, allowNonFinite)
        case .f16: return try of(F16Storage.self, weight, data, threads, allowNonFinite)
        case .f32: return try of(F32Storage.self, weight, data, threads, allowNonFinite)
        default: throw .unquantizableWeight(tensor: weight.name, reason: "dtype \(weight.dtype.rawValue) cannot be quantized")
        }
    }

    private static func of<S: WeightStorage>(_: S.Type, _ weight: TensorInfo, _ data: UnsafeRawBufferPointer,
                                             _ threads: Int, _ allowNonFinite: Bool) throws(ModifierError) -> Float {
        let rowMax = UnsafeMutableBufferPointer<S.Bits>.allocate(capacity: weight.shape[0])
        defer { rowMax.deallocate() }
        try rowMaxima(S.self, weight, data.bindMemory(to: S.Bits.self).baseAddress!, threads: threads,
                      allowNonFinite: allowNonFinite, into: rowMax)
        return S.float(rowMax.max() ?? 0)
    }

    /// The largest magnitude of every row of `weight` (rows × the product of the other
    /// dimensions), as bits, into `rowMax`.
    /// - Throws: `nonFinite` naming the first row with a NaN or infinity.
    static func rowMaxima<S: WeightStorage>(_: S.Type, _ weight: TensorInfo, _ input: UnsafePointer<S.Bits>, threads: Int,
                                            allowNonFinite: Bool, into rowMax: UnsafeMutableBufferPointer<S.Bits>) throws(ModifierError) {
        let columns = weight.shape.dropFirst().reduce(1, *)
        parallelRows(weight.shape[0], threads: threads) { range in
            for r in range { rowMax[r] = S.largestMagnitude(input + r * columns, count: columns) }
        }
        if !allowNonFinite, let bad = rowMax.firstIndex(where: { $0 >= S.infinityBits }) { throw .nonFinite(tensor: weight.name, row: bad) }
    }
}
