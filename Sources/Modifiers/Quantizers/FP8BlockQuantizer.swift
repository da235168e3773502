import Checkpoint

/// FP8 E4M3 weights with one scale per `blockRows × blockColumns` tile (FP8_BLOCK: 128 × 128),
/// computed in the weight's own dtype as for per-channel FP8: `s = dtype(absmax / 448)` (zero
/// becomes the dtype's eps), `q = e4m3(dtype(w / s))`. Writes `weight` (F8_E4M3, the weight's
/// shape) and `weight_scale` (the weight's dtype, `[ceil(rows / blockRows), ceil(columns / blockColumns)]`).
///
/// Edges follow compressed-tensors 0.19, which zero-pads the weight to whole blocks
/// (`maybe_pad_tensor_for_block_quant` in `quantization/utils/helpers.py`, used by the observer and
/// by `_process_block`) and crops the result: a partial tile's scale is the largest magnitude of
/// the elements it has (the padding zeros change no maximum), and those elements are quantized with it.
/// A tile holding NaN or Inf, when allowed, gets a NaN or infinite scale and the codes of
/// `NonFiniteWeights.fp8Codes`.
struct FP8BlockQuantizer: WeightQuantizer {
    let blockRows: Int
    let blockColumns: Int
    private let scratch = ScratchBuffer()

    init(blockRows: Int, blockColumns: Int) {
        self.blockRows = blockRows
        self.blockColumns = blockColumns
    }

    private func blocks(_ weight: TensorInfo) -> (Int, Int) {
        ((weight.shape[0] + blockRows - 1) / blockRows, (weight.shape[1] + blockColumns - 1) / blockColumns)
    }

    func quantize<S: WeightStorage>(_: S.Type, weight: TensorInfo, data: UnsafeRawBufferPointer, threads: Int,
                                    context: QuantizationContext,
                                    emit: (UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(ModifierError) {
        let rows = weight.shape[0], columns = weight.shape[1]
        let (rowBlocks, columnBlocks) = blocks(weight)
        let tiles = rowBlocks * columnBlocks
        let scaleBytes = tiles * MemoryLayout<S.Bits>.stride
        let buffer = scratch.bytes(rows * columns + scaleBytes).baseAddress!
        let codes = buffer.assumingMemoryBound(to: UInt8.self)
        let scales = (buffer + rows * columns).bindMemory(to: S.Bits.self, capacity: tiles)
        let input = data.bindMemory(to: S.Bits.self).baseAddress!
        let (blockRows, blockColumns) = (self.blockRows, self.blockColumns)

        // Largest magnitude per row and tile, as bits (their order is that of the magnitudes).
        let rowTileMax = UnsafeMutableBufferPointer<S.Bits>.allocate(capacity: rows * columnBlocks)
        defer { rowTileMax.deallocate() }
        parallelRows(rows, threads: threads) { range in
            for r in range {
                let row = input + r * columns
                for b in 0..<columnBlocks {
                    let start = b * blockColumns
                    rowTileMax[r * columnBlocks + b] = S.largestMagnitude(row + start, count: min(columns, start + blockColumns) - start)
                }
            }
        }
        if !context.allowNonFinite, let bad = rowTileMax.firstIndex(where: { $0 >= S.infinityBits }) {
            throw .nonFinite(tensor: weight.name, row: bad / columnBlocks)
        }
        for rb in 0..<rowBlocks {
            for b in 0..<columnBlocks {
                var m: S.Bits = 0
                for r in (rb * blockRows)..<min(rows, (rb + 1) * blockRows) { m = max(m, rowTileMax[r * columnBlocks + b]) }
                if m >= S.infinityBits {
                    scales[rb * columnBlocks + b] = NonFiniteWeights.scale(S.self, absmax: m)
                    continue
                }
                let s = S.bits(S.float(m) / FP8E4M3.maxFinite)
                scales[rb * columnBlocks + b] = S.float(s) == 0 ? S.bits(S.eps) : s
            }
        }
        parallelRows(rows, threads: threads) { range in
            for r in range {
                let row = input + r * columns, out = codes + r * columns
                let tileScales = scales + (r / blockRows) * columnBlocks
                for b in 0..<columnBlocks {
                    let start = b * blockColumns, end = min(columns, start + blockColumns)
                    if tileScales[b] >= S.infinityBits {
                        NonFiniteWeights.fp8Codes(S.self, row + start, count: end - start, scaleIsNaN: tileScales[b] > S.infinityBits,
                                                  into: out + start)
                        continue
                    }
                    let divisor = S.float(tileScales[b])
                    for c in start..<end {
                        out[c] = FP8E4M3.weightCode(S.rounded(S.float(row[c]) / divisor))
                    }
                }
            }
        }
        do {
            try emit(UnsafeRawBufferPointer(start: codes, count: rows * columns))
            try emit(UnsafeRawBufferPointer(start: scales, count: scaleBytes))
        } catch { throw .checkpoint(error) }
    }
}
