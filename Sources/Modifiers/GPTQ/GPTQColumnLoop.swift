import CKernels

/// GPTQ's column loop over one block of the working weight: each column fake-quantized in
/// quantization order, its error divided by the factor's diagonal and subtracted, times the
/// factor's row, from the block's later columns of the same row.
///
/// Parameters the vectorised kernel (`ck_gptq_columns`) fake-quantizes with
/// (``ColumnKernelQuantization``: integer weights) run there, many rows a SIMD step; others run
/// the same arithmetic here, one value at a time. Rows are split over threads.
struct GPTQColumnLoop<Frozen: FrozenQuantization> {
    let frozen: Frozen
    let rows: Int, columns: Int
    /// The weight column of each working column.
    let order: [Int]
    let threads: Int

    /// Quantizes working columns `start..<start + width` of `working` (`rows × columns`) in place
    /// against `factor` (the upper inverse Hessian factor, `columns × columns`), writes each value's
    /// error to `errors` (`rows × width`) and adds each row's `Σ error² / 2` to `rowLoss`.
    func quantize(start: Int, width: Int, working: UnsafeMutablePointer<Float>, factor: UnsafePointer<Float>,
                  errors: UnsafeMutablePointer<Float>, rowLoss: UnsafeMutablePointer<Float>) {
        if let kernel = frozen as? any ColumnKernelQuantization {
            kernel.withColumnKernelGrid { grid in
                quantize(on: grid, start: start, width: width, working: working, factor: factor, errors: errors, rowLoss: rowLoss)
            }
            return
        }
        let rows = rows, columns = columns, order = order, frozen = frozen
        parallelRows(rows, threads: threads) { range in
            for r in range {
                let row = working + r * columns + start
                let error = errors + r * width
                var loss: Float = 0
                for i in 0..<width {
                    let x = row[i]
                    let q = frozen.fakeQuantize(x, row: r, column: order[start + i])
                    let h = factor + (start + i) * columns + start
                    let e = (x - q) / h[i]
                    row[i] = q
                    error[i] = e
                    loss += e * e
                    for j in (i + 1)..<width { row[j] -= e * h[j] }
                }
                rowLoss[r] += loss / 2
            }
        }
    }

    /// The kernel's loop, over ranges of whole tiles of rows.
    private func quantize(on grid: UnsafePointer<ck_gptq_grid>, start: Int, width: Int, working: UnsafeMutablePointer<Float>,
                          factor: UnsafePointer<Float>, errors: UnsafeMutablePointer<Float>, rowLoss: UnsafeMutablePointer<Float>) {
        let rows = rows, columns = columns
        let tileRows = Int(CK_GPTQ_TILE_ROWS), tiles = (rows + tileRows - 1) / tileRows
        order.withUnsafeBufferPointer { order in
            parallelRows(tiles, threads: threads, minimumRowsPerChunk: 1) { range in
                let first = range.lowerBound * tileRows, end = Swift.min(range.upperBound * tileRows, rows)
                withUnsafeTemporaryAllocation(of: Float.self, capacity: ck_gptq_scratch_floats(width)) { scratch in
                    ck_gptq_columns(grid, first, end - first, width, order.baseAddress! + start, working + start, columns,
                                    factor + start * columns + start, columns, errors, rowLoss, scratch.baseAddress!)
                }
            }
        }
    }
}

/// Frozen parameters `ck_gptq_columns` fake-quantizes with exactly as their `fakeQuantize` does.
protocol ColumnKernelQuantization: FrozenQuantization {
    /// Calls `body` with the kernel's description of these parameters, whose pointers are valid
    /// only inside it.
    func withColumnKernelGrid(_ body: (UnsafePointer<ck_gptq_grid>) -> Void)
}

extension IntegerFrozenQuantization: ColumnKernelQuantization {
    func withColumnKernelGrid(_ body: (UnsafePointer<ck_gptq_grid>) -> Void) {
        let dtype: ck_gptq_dtype = switch S.dtype {
        case .bf16: CK_GPTQ_BF16
        case .f16: CK_GPTQ_F16
        default: CK_GPTQ_F32
        }
        let grid = kernel.grid
        scales.withUnsafeBufferPointer { scales in
            zeroPointValues.withUnsafeBufferPointer { zeroPoints in
                // A tensor's single scale: stride 0 and one group of all columns.
                var description = ck_gptq_grid(
                    dtype: dtype, symmetric: grid.symmetric ? 1 : 0, qmin: grid.qmin, qmax: grid.qmax,
                    scales: ck_scales(values: scales.baseAddress!, zero_points: zeroPoints.baseAddress!, block_rows: 1,
                                      group: groupSize, stride: scalesPerRow))
                body(&description)
            }
        }
    }
}
