import Checkpoint

/// The largest magnitude of a weight, as its dtype holds it (so exactly, as a Float).
enum WeightAbsmax {
    /// `max |w|` over `data`, the bytes of `weight`.
    /// - Throws: `nonFinite` naming the first row with a NaN or infinity; `unquantizableWeight`
    ///   for a dtype other than BF16, F16 or F32.
    static func of(_ weight: TensorInfo, data: UnsafeRawBufferPointer, threads: Int) throws(ModifierError) -> Float {
        switch weight.dtype {
        case .bf16: return try of(BF16Storage.self, weight, data, threads)
        case .f16: return try of(F16Storage.self, weight, data, threads)
        case .f32: return try of(F32Storage.self, weight, data, threads)
        default: throw .unquantizableWeight(tensor: weight.name, reason: "dtype \(weight.dtype.rawValue) cannot be quantized")
        }
    }

    private static func of<S: WeightStorage>(_: S.Type, _ weight: TensorInfo, _ data: UnsafeRawBufferPointer,
                                             _ threads: Int) throws(ModifierError) -> Float {
        let rows = weight.shape[0], columns = weight.shape.dropFirst().reduce(1, *)
        let input = data.bindMemory(to: S.Bits.self).baseAddress!
        let rowMax = UnsafeMutableBufferPointer<S.Bits>.allocate(capacity: rows)
        defer { rowMax.deallocate() }
        // For IEEE formats the order of magnitude bit patterns is the order of the magnitudes.
        parallelRows(rows, threads: threads) { range in
            for r in range {
                var m: S.Bits = 0
                let row = input + r * columns
                for c in 0..<columns { m = max(m, row[c] & S.magnitudeMask) }
                rowMax[r] = m
            }
        }
        if let bad = rowMax.firstIndex(where: { $0 >= S.infinityBits }) { throw .nonFinite(tensor: weight.name, row: bad) }
        return S.float(rowMax.max() ?? 0)
    }
}
