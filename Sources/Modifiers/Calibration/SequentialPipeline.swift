import Checkpoint
import Recipes
import Runtime

/// Runs a plan that needs calibration data one decoder block at a time, as llm-compressor's
/// sequential pipeline does, so that memory holds one block's weights and the samples' hidden
/// states whatever the model's size.
///
/// For each block: each smoothing modifier (SmoothQuant, AWQ) runs the samples through the block
/// to gather its statistics and rescales weights; then the samples run through the (smoothed)
/// block with observers on the inputs of the quantized Linear layers and on the keys and values,
/// and, under GPTQ, Hessian accumulators on those inputs; the block's tensors are written; the
/// block's outputs are the next block's inputs. Like llm-compressor, the samples propagate through
/// the unquantized weights, except GPTQ's, which propagate through the weights it quantized.
final class SequentialPipeline {
    let plan: OneshotPlan
    let program: CalibrationProgram
    let model: LayerwiseModel
    let layout: BlockLayout
    let threads: Int
    /// Checked before each block runs on a sample; a set flag stops the run with `ModifierError.cancelled`.
    var cancellation: CancellationFlag?

    init(plan: OneshotPlan, program: CalibrationProgram, threads: Int) throws(ModifierError) {
        self.plan = plan
        self.program = program
        self.threads = threads
        do { model = try LayerwiseModel(checkpoint: plan.checkpoint, threads: threads) } catch { throw .runtime(error) }
        layout = BlockLayout(entries: plan.quantization.entries, blockCount: model.spec.layerCount,
                             layout: plan.quantization.architecture.layout)
    }

    /// The output tensors in the order ``run(samples:writer:progress:)`` writes them.
    var outputs: [OutputTensor] { layout.writeOrder.flatMap { plan.entryOutputs[$0] } }

    /// Calibrates on `samples` and writes every output tensor; `progress` gets each entry written.
    func run(samples: [[Int]], writer: CheckpointWriter, progress: (Int) throws(ModifierError) -> Void) throws(ModifierError) {
        guard !samples.isEmpty else { throw .runtime(.emptyInput) }
        let entries = plan.quantization.entries
        do {
            for i in layout.outside {
                try emit(i, replacements: [:], observed: ObservedScales(), solved: nil, writer: writer)
                try progress(i)
            }
            // Smoothing and round-to-nearest quantization calibrate on the unquantized model's
            // hidden states; GPTQ on those of the blocks it has already quantized (llm-compressor
            // runs each modifier as its own sequential pass, GPTQ's propagating quantized outputs).
            var embedded: [[Float]]
            do { embedded = try model.embed(samples: samples) } catch { throw ModifierError.runtime(error) }
            var clean: [[Float]]? = program.gptq == nil || !program.smoothing.isEmpty ? embedded : nil
            var propagated: [[Float]]? = program.gptq != nil ? embedded : nil
            embedded = []
            for (b, members) in layout.blocks.enumerated() {
                let blockEntries = members.map { entries[$0] }
                var replacements: [String: [Float]] = [:]
                for step in program.smoothing {
                    switch step {
                    case let .smoothQuant(smoothQuant):
                        try smooth(smoothQuant, block: b, entries: blockEntries, hidden: clean!, replacements: &replacements)
                    case let .awq(awq):
                        try balance(awq, block: b, entries: blockEntries, hidden: clean!, replacements: &replacements)
                    }
                }
                let tap = SiteTap()
                let observed = try ObservedScales(plan: plan, members: members, tap: tap)
                let block = try loadBlock(b, replacements)
                var solved: [Int: GPTQResult] = [:]
                if let gptq = program.gptq {
                    let hessians = GPTQHessians(plan: plan, members: members, tap: tap)
                    var copies = propagated!
                    try run(block, &copies, tap: tap)
                    solved = try hessians.solve(plan: plan, settings: gptq, threads: threads,
                                                values: { name throws(ModifierError) in try values(name, replacements) })
                    var quantized = replacements
                    for (i, result) in solved { quantized[entries[i].tensor.name] = result.weight }
                    let quantizedBlock = try loadBlock(b, quantized)
                    try run(quantizedBlock, &propagated!, tap: nil)
                    if clean != nil { try run(block, &clean!, tap: nil) }
                } else {
                    try run(block, &clean!, tap: tap.isEmpty ? nil : tap)
                }
                for i in members {
                    try emit(i, replacements: replacements, observed: observed, solved: solved[i], writer: writer)
                    try progress(i)
                }
            }
        } catch let error as ModifierError {
            throw error
        } catch let error as CheckpointError {
            throw .checkpoint(error)
        } catch {
            throw .recipe("\(error)")
        }
    }

    func loadBlock(_ b: Int, _ replacements: [String: [Float]]) throws(ModifierError) -> LayerwiseModel.Block {
        do { return try model.block(b, replacing: replacements) } catch { throw .runtime(error) }
    }

    /// Runs `block` on the samples' hidden states in place, a batch of samples at a time, checking
    /// for cancellation before each batch.
    func run(_ block: LayerwiseModel.Block, _ samples: inout [[Float]], tap: (any LayerTap)?) throws(ModifierError) {
        for batch in model.batches(samples) {
            try cancellation?.check()
            model.run(block, samples: &samples, batch: batch, tap: tap)
        }
    }

    /// The current values of tensor `name`: calibration's, else the checkpoint's.
    func values(_ name: String, _ replacements: [String: [Float]]) throws(ModifierError) -> [Float] {
        if let values = replacements[name] { return values }
        do { return try model.floats(name).values } catch { throw .runtime(error) }
    }

    /// Writes the outputs of entry `i`: the tensor (as calibration left it) copied or quantized,
    /// then its calibrated scales.
    private func emit(_ i: Int, replacements: [String: [Float]], observed: ObservedScales, solved: GPTQResult?,
                      writer: CheckpointWriter) throws {
        let entry = plan.quantization.entries[i]
        let info = entry.tensor.info
        let replaced = replacements[info.name].map { StoredValues.bytes($0, as: info.dtype) }
        func withSource<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
            if let replaced { return try replaced.withUnsafeBytes(body) }
            return try body(try plan.checkpoint.checkedData(entry.tensor))
        }
        var outputs = plan.entryOutputs[i][...]
        switch entry.action {
        case .copy:
            try writer.begin(info.name)
            try withSource { bytes in try writer.append(bytes) }
            outputs = outputs.dropFirst()
        case let .quantize(group):
            let quantizer = plan.quantizers[group]
            let names = plan.layouts[group].tensors(module: entry.module, weight: info).map(\.name)
            var context = QuantizationContext.none
            if let members = plan.fusedGroups.first(where: { $0.contains(i) }) {
                context.groupAbsmax = try plan.fusedAbsmax(members, replacements: replacements, threads: threads, allowNonFinite: false)
            }
            var next = 0
            let write = { (out: UnsafeRawBufferPointer) throws(CheckpointError) in
                try writer.begin(names[next])
                try writer.append(out)
                next += 1
            }
            if let solved {
                try solved.write(through: quantizer, threads: threads, emit: write)
            } else {
                try withSource { bytes in try quantizer.quantize(weight: info, data: bytes, threads: threads, context: context, emit: write) }
            }
            outputs = outputs.dropFirst(names.count)
        }
        for output in outputs {
            let bytes = try observed.bytes(of: output, plan: plan)
            try writer.begin(output.name)
            try bytes.withUnsafeBytes { try writer.append($0) }
        }
        plan.checkpoint.release(entry.tensor)
    }
}
