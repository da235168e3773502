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
    /// Whether every expert of a mixture is calibrated on every token (llm-compressor's
    /// `moe_calibrate_all_experts`), or each on the tokens routed to it.
    let everyExpert: Bool
    /// Checked before each block runs on a sample; a set flag stops the run with `ModifierError.cancelled`.
    var cancellation: CancellationFlag?
    /// Told about experts that calibration on routed tokens gave too few tokens.
    var warn: ((String) -> Void)?

    init(plan: OneshotPlan, program: CalibrationProgram, threads: Int, everyExpert: Bool = true) throws(ModifierError) {
        self.plan = plan
        self.program = program
        self.threads = threads
        self.everyExpert = everyExpert
        do { model = try LayerwiseModel(checkpoint: plan.checkpoint, threads: threads) } catch { throw .runtime(error) }
        layout = BlockLayout(entries: plan.quantization.entries, blockCount: model.spec.layerCount,
                             layout: plan.quantization.architecture.layout)
    }

    /// The output tensors in the order ``run(samples:step:progress:)`` writes them.
    var outputs: [OutputTensor] { layout.writeOrder.flatMap { plan.entryOutputs[$0] } }

    /// Calibrates on `samples` and writes every output tensor; `progress` gets each entry written.
    func run(samples: [[Int]], step: TensorWriteStep, progress: (Int) throws(ModifierError) -> Void) throws(ModifierError) {
        guard !samples.isEmpty else { throw .runtime(.emptyInput) }
        let entries = plan.quantization.entries
        var outsideFused = FusedGroupStatistics(plan: plan)
        for i in layout.outside {
            try emit(i, replacements: [:], observed: ObservedScales(), solved: nil, fused: &outsideFused, step: step)
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
            let tap = SiteTap(everyExpert: everyExpert)
            let routed = everyExpert ? nil : model.spec.mixture.map { RoutedTokenCounts(experts: $0.expertCount, tap: tap) }
            let observed = try ObservedScales(plan: plan, members: members, tap: tap)
            let block = try loadBlock(b, replacements)
            var solved: [Int: GPTQResult] = [:]
            // A fused group's members share the statistic of their weights as smoothing left them.
            var fused = FusedGroupStatistics(plan: plan)
            if let gptq = program.gptq {
                let hessians = GPTQHessians(plan: plan, members: members, tap: tap)
                var copies = propagated!
                try run(block, &copies, tap: tap)
                solved = try hessians.solve(plan: plan, settings: gptq, threads: threads,
                                            values: { name throws(ModifierError) in try values(name, replacements) },
                                            context: { i throws(ModifierError) in
                                                try fused.context(for: i, replacements: replacements, threads: threads, allowNonFinite: false)
                                            })
                var quantized = replacements
                for (i, result) in solved { quantized[entries[i].tensor.name] = result.weight }
                let quantizedBlock = try loadBlock(b, quantized)
                try run(quantizedBlock, &propagated!, tap: nil)
                if clean != nil { try run(block, &clean!, tap: nil) }
            } else {
                try run(block, &clean!, tap: tap.isEmpty ? nil : tap)
            }
            for line in routed?.warnings(block: b, layout: plan.quantization.architecture.layout) ?? [] { warn?(line) }
            for i in members {
                try emit(i, replacements: replacements, observed: observed, solved: solved[i], fused: &fused, step: step)
                try progress(i)
            }
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

    /// Writes the outputs of entry `i` through `step`: the tensor as calibration left it (or as
    /// GPTQ solved it), copied or quantized with its fused group's shared statistic (`fused`, one
    /// per block), then its calibrated scales.
    private func emit(_ i: Int, replacements: [String: [Float]], observed: ObservedScales, solved: GPTQResult?,
                      fused: inout FusedGroupStatistics, step: TensorWriteStep) throws(ModifierError) {
        let entry = plan.quantization.entries[i]
        let context = try fused.context(for: i, replacements: replacements, threads: threads, allowNonFinite: false)
        let calibrated = { (output: OutputTensor) throws(ModifierError) in try observed.bytes(of: output, plan: self.plan) }
        if let solved {
            try step.write(i, .solved(solved), context: context, calibrated: calibrated)
        } else if let values = replacements[entry.tensor.name] {
            let bytes = StoredValues.bytes(values, as: entry.tensor.info.dtype)
            try bytes.withTypedUnsafeBytes { (bytes) throws(ModifierError) in
                try step.write(i, .stored(bytes), context: context, calibrated: calibrated)
            }
        } else {
            let bytes: UnsafeRawBufferPointer
            do { bytes = try plan.checkpoint.checkedData(entry.tensor) } catch { throw .checkpoint(error) }
            try step.write(i, .stored(bytes), context: context, calibrated: calibrated)
        }
        plan.checkpoint.release(entry.tensor)
    }
}
