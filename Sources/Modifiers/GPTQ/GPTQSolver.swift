import Checkpoint
import Recipes
import Runtime

/// GPTQ (Frantar et al., https://arxiv.org/abs/2210.17323) for one Linear weight, step for step as
/// llm-compressor 0.14.0.1's `quantize_weight` (eager path) and compressed-tensors 0.19 do it, for
/// every format whose parameters can be frozen (``FreezingWeightQuantizer``: integer, FP8 per
/// channel, tensor or block, NVFP4, MXFP4, MXFP8):
///
/// 1. the scales (zero points, NVFP4's global scale over the fused group) are the memoryless
///    min-max observer's, on the weight as stored in its dtype, before GPTQ changes it (the same
///    as without calibration): ``FrozenQuantization``;
/// 2. with activation ordering (`weight`, alias `static`), columns are visited by descending
///    Hessian diagonal, each keeping its original group's (or block's) scale;
/// 3. dead columns are zeroed and the Hessian is dampened, inverted and factored
///    (`InverseHessianFactor`);
/// 4. columns are quantized in blocks of `blockSize`: each column is fake-quantized in float32
///    (`FrozenQuantization.fakeQuantize`), its error divided by the factor's diagonal is
///    propagated to the block's later columns at once, and the block's errors to all later
///    columns with one GEMM (the runtime's f32 kernel);
/// 5. the result is the fake-quantized weight in its dtype, and its codes are what
///    compressed-tensors' compressor then computes from it with the same scales, in the dtype's
///    arithmetic (`FrozenQuantization.encode`).
///
/// Rows are independent: each block's column loop is split over threads by rows.
enum GPTQSolver {
    /// Quantizes `weight` (`rows × columns` floats, row-major; the values are rounded to the
    /// dtype of `tensor` first, as a weight stored in it holds them) against `hessian` (full,
    /// symmetric, `columns × columns`, as `HessianAccumulator.hessian()` gives it), into the
    /// format of `quantizer` (its config group's), in the activation ordering of `args`: the
    /// Hessian factored for this weight alone, then ``quantize(weight:tensor:factored:args:quantizer:context:blockSize:threads:)``.
    /// - Parameter dampeningFrac: the fraction of the Hessian's mean diagonal added to its diagonal (0.01).
    /// - Complexity: `O(columns³ + rows · columns²)` time, `O(columns² + rows · columns)` memory.
    static func quantize(weight: UnsafeBufferPointer<Float>, tensor: TensorInfo, hessian: consuming [Float],
                         args: QuantizationArgs, quantizer: any WeightQuantizer, context: QuantizationContext = .none,
                         blockSize: Int = 128, dampeningFrac: Double = 0.01, threads: Int) throws(ModifierError) -> GPTQResult {
        let (_, columns) = try matrixShape(tensor, values: weight.count)
        let ordering = try GPTQActivationOrdering(args.actorder, tensor: tensor.name)
        let factored = try FactoredHessian(hessian: hessian, columns: columns, ordering: ordering,
                                           dampeningFrac: dampeningFrac, tensor: tensor.name)
        return try quantize(weight: weight, tensor: tensor, factored: factored, args: args, quantizer: quantizer, context: context,
                            blockSize: blockSize, threads: threads)
    }

    /// Quantizes `weight` as above with its Hessian already factored (`factored`, made in the
    /// activation ordering of `args`, possibly shared with the other layers that read the same inputs).
    /// - Parameters:
    ///   - tensor: the weight's name (for messages), dtype (bf16, f16 or f32: scales are computed and
    ///     rounded in it) and shape `[rows, columns]`.
    ///   - context: what the weight's fused siblings contribute (NVFP4's shared global scale).
    ///   - blockSize: columns quantized before their errors are propagated to later columns (128).
    ///   - threads: threads the rows are split over; the GEMMs run on the runtime's compute threads.
    /// - Complexity: `O(rows · columns²)` time, `O(rows · columns)` memory.
    static func quantize(weight: UnsafeBufferPointer<Float>, tensor: TensorInfo, factored: FactoredHessian,
                         args: QuantizationArgs, quantizer: any WeightQuantizer, context: QuantizationContext = .none,
                         blockSize: Int = 128, threads: Int) throws(ModifierError) -> GPTQResult {
        func refuse(_ reason: String) -> ModifierError { .unquantizableWeight(tensor: tensor.name, reason: "GPTQ: " + reason) }
        let (_, columns) = try matrixShape(tensor, values: weight.count)
        guard factored.factor.columns == columns else {
            throw refuse("the Hessian has \(factored.factor.columns) columns, not the weight's \(columns)")
        }
        guard blockSize > 0 else { throw refuse("block_size must be positive, not \(blockSize)") }
        guard let format = quantizer as? any FreezingWeightQuantizer else {
            throw refuse("its format (\(type(of: quantizer))) cannot be quantized with scales fixed beforehand")
        }
        try format.validate(tensor)
        let problem = GPTQProblem(tensor: tensor, format: format, context: context, factored: factored, blockSize: blockSize, threads: threads)
        switch tensor.dtype {
        case .bf16: return try problem.solve(BF16Storage.self, weight: weight)
        case .f16: return try problem.solve(F16Storage.self, weight: weight)
        case .f32: return try problem.solve(F32Storage.self, weight: weight)
        default: throw refuse("dtype \(tensor.dtype.rawValue) cannot be quantized (bf16, f16 or f32)")
        }
    }
}

/// One validated GPTQ run.
private struct GPTQProblem {
    let tensor: TensorInfo
    let format: any FreezingWeightQuantizer
    let context: QuantizationContext
    let factored: FactoredHessian
    let blockSize: Int
    let threads: Int

    var rows: Int { tensor.shape[0] }
    var columns: Int { tensor.shape[1] }

    func solve<S: WeightStorage>(_: S.Type, weight: UnsafeBufferPointer<Float>) throws(ModifierError) -> GPTQResult {
        let rows = rows, columns = columns
        let stored = UnsafeMutableBufferPointer<S.Bits>.allocate(capacity: rows * columns)
        defer { stored.deallocate() }

        // The weight as its dtype holds it, and the observer's parameters for it. The observer
        // reads every value and GPTQ calls `fakeQuantize` once per value: on the parameters'
        // concrete type, with the weight's dtype known, both are specialised and inlined rather
        // than called through the existentials' witness tables as unspecialised generics.
        parallelRows(rows, threads: threads) { range in
            for i in (range.lowerBound * columns)..<(range.upperBound * columns) { stored[i] = S.bits(weight[i]) }
        }
        if let writer = format as? any IntegerWeightWriter {
            let integer = try IntegerFrozenQuantization<S>(writer: writer, tensor: tensor, input: UnsafePointer(stored.baseAddress!), threads: threads)
            return try solve(S.self, stored: UnsafeBufferPointer(stored), frozen: integer)
        }
        let frozen = try format.freeze(S.self, weight: tensor, data: UnsafeRawBufferPointer(stored), threads: threads, context: context)
        if let float = frozen as? FloatFrozenQuantization<S> {
            return try solve(S.self, stored: UnsafeBufferPointer(stored), frozen: float)
        }
        return try solve(S.self, stored: UnsafeBufferPointer(stored), frozen: frozen)
    }

    /// GPTQ on the weight as stored (`rows × columns` values of `S`) with the parameters `frozen`
    /// observed on it.
    private func solve<S: WeightStorage, Frozen: FrozenQuantization>(_: S.Type, stored: UnsafeBufferPointer<S.Bits>,
                                                                     frozen: Frozen) throws(ModifierError) -> GPTQResult {
        let rows = rows, columns = columns
        let working = UnsafeMutableBufferPointer<Float>.allocate(capacity: rows * columns)
        defer { working.deallocate() }
        let order = factored.order, factor = factored.factor
        // The working weight: columns in quantization order, dead ones zero.
        parallelRows(rows, threads: threads) { range in
            for r in range {
                for j in 0..<columns { working[r * columns + j] = factor.dead[j] ? 0 : S.float(stored[r * columns + order[j]]) }
            }
        }
        let loss = propagate(working: working, factor: factor, order: order, frozen: frozen)

        // Back to the original column order, in the weight's dtype, then the codes
        // compressed-tensors computes from it.
        var output = [Float](repeating: 0, count: rows * columns)
        output.withUnsafeMutableBufferPointer { output in
            parallelRows(rows, threads: threads) { range in
                for r in range {
                    for j in 0..<columns { output[r * columns + order[j]] = S.rounded(working[r * columns + j]) }
                }
            }
        }
        let (outputs, dequantized) = try frozen.encode(output, threads: threads)
        return GPTQResult(tensor: tensor, outputs: outputs, weight: dequantized, loss: loss, usedFallback: factor.usedFallback)
    }

    /// Quantizes `working` (`rows × columns`, columns in `order`) in place, block by block, and
    /// returns the GPTQ loss: the sum over all values of `error² / 2`.
    private func propagate<Frozen: FrozenQuantization>(working: UnsafeMutableBufferPointer<Float>, factor: InverseHessianFactor,
                                                       order: [Int], frozen: Frozen) -> Float {
        let rows = rows, columns = columns
        let errors = UnsafeMutableBufferPointer<Float>.allocate(capacity: rows * Swift.min(blockSize, columns))
        let rowLoss = UnsafeMutableBufferPointer<Float>.allocate(capacity: rows)
        // The later columns' update of each block: the factor's block transposed, and its product.
        let laterColumns = columns - Swift.min(blockSize, columns)
        let factorBlock = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, blockSize * laterColumns))
        let product = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, rows * laterColumns))
        defer { errors.deallocate(); rowLoss.deallocate(); factorBlock.deallocate(); product.deallocate() }
        rowLoss.initialize(repeating: 0)
        let loop = GPTQColumnLoop(frozen: frozen, rows: rows, columns: columns, order: order, threads: threads)
        factor.upper.withUnsafeBufferPointer { u in
            for start in stride(from: 0, to: columns, by: blockSize) {
                let end = Swift.min(start + blockSize, columns), width = end - start
                loop.quantize(start: start, width: width, working: working.baseAddress!, factor: u.baseAddress!,
                              errors: errors.baseAddress!, rowLoss: rowLoss.baseAddress!)
                if end < columns {
                    subtractBlockUpdate(errors: UnsafePointer(errors.baseAddress!), width: width, factor: u.baseAddress! + start * columns + end,
                                        from: working.baseAddress! + end, remaining: columns - end,
                                        factorBlock: factorBlock, product: product)
                }
            }
        }
        return rowLoss.reduce(0, +)
    }

    /// `later -= errors · factor` for the `rows × remaining` later columns of `working` (rows
    /// `columns` apart), the block's `rows × width` errors and the factor's `width × remaining`
    /// block (rows `columns` apart), on the runtime's f32 kernel: the factor block is transposed
    /// into `factorBlock` so that its columns are the kernel's weight rows, and the product, in
    /// `product`, is subtracted row by row. (OpenBLAS's sgemm would run its SSE3 kernel on CPUs its
    /// build does not know.)
    private func subtractBlockUpdate(errors: UnsafePointer<Float>, width: Int, factor: UnsafePointer<Float>,
                                     from later: UnsafeMutablePointer<Float>, remaining: Int,
                                     factorBlock: UnsafeMutablePointer<Float>, product: UnsafeMutablePointer<Float>) {
        let rows = rows, columns = columns
        CPUKernels.transpose(factor, rows: width, columns: remaining, stride: columns, into: factorBlock)
        CPUKernels.multiply(errors, ldx: width, rows: rows, by: factorBlock, ldw: width, outputs: remaining, columns: width,
                            into: product, ldy: remaining)
        parallelRows(rows, threads: threads) { range in
            for r in range {
                let row = later + r * columns, source = product + r * remaining
                for j in 0..<remaining { row[j] -= source[j] }
            }
        }
    }
}

extension GPTQSolver {
    /// The rows and columns of a Linear weight, which GPTQ needs two non-empty dimensions of,
    /// checked against the number of weight `values` given.
    fileprivate static func matrixShape(_ tensor: TensorInfo, values: Int) throws(ModifierError) -> (rows: Int, columns: Int) {
        guard tensor.shape.count == 2, tensor.shape[0] > 0, tensor.shape[1] > 0 else {
            throw .unquantizableWeight(tensor: tensor.name, reason: "GPTQ: a Linear weight of two non-empty dimensions is needed, not shape \(tensor.shape)")
        }
        guard values == tensor.shape[0] * tensor.shape[1] else {
            throw .unquantizableWeight(tensor: tensor.name, reason: "GPTQ: \(values) weight values for shape \(tensor.shape)")
        }
        return (tensor.shape[0], tensor.shape[1])
    }
}
