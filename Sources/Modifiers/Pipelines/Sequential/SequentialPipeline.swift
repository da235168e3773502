import Checkpoint
import Recipes
import Runtime

/// Runs a plan that needs calibration data one decoder block at a time, as llm-compressor's
/// sequential pipeline does, so that memory holds one block's weights and the samples' hidden
/// states whatever the model's size.
///
/// For each block, each calibration pass (`CalibrationPass`) runs its own copy of the hidden
/// states through the block: for a GPTQModifier, with Hessian accumulators on its layers' inputs,
/// whose solution the block then keeps; then the pass's smoothing modifiers (SmoothQuant, AWQ) run
/// the samples through the block as it stands to gather their statistics and rescale weights;
/// then the pass's copy runs through the (solved, smoothed) block, with observers on the inputs
/// of its modifiers' quantized Linear layers and on the keys and values. The block's tensors are
/// written; the block's outputs are the next block's inputs. Like llm-compressor, the samples
/// propagate through the unquantized weights, except GPTQ's, which propagate through the weights
/// it quantized.
///
/// Over several ranks (`reducer`), each rank runs its own part of the samples (``SampleSplit``);
/// the statistics of every pass are reduced across the ranks before they are used, each GPTQ layer
/// is solved by one rank and its result broadcast, and only rank 0 writes.
final class SequentialPipeline {
    let plan: OneshotPlan
    let program: CalibrationProgram
    let model: LayerwiseModel
    let layout: BlockLayout
    let threads: Int
    /// Whether every expert of a mixture is calibrated on every token (llm-compressor's
    /// `moe_calibrate_all_experts`), or each on the tokens routed to it.
    let everyExpert: Bool
    /// What the layers stored in bf16 multiply, and so whether GPTQ's Hessians round their inputs to bf16.
    let dtype: CalibrationDType
    /// Checked before each block runs on a sample; a set flag stops the run with `ModifierError.cancelled`.
    var cancellation: CancellationFlag?
    /// Told about experts that calibration on routed tokens gave too few tokens.
    var warn: ((String) -> Void)?
    /// The ranks calibrating together; one process by default.
    var reducer: any StatisticsReducer = SingleProcess()

    init(plan: OneshotPlan, program: CalibrationProgram, threads: Int, everyExpert: Bool = true,
         dtype: CalibrationDType = .auto) throws(ModifierError) {
        self.plan = plan
        self.program = program
        self.threads = threads
        self.everyExpert = everyExpert
        self.dtype = dtype
        do {
            model = try LayerwiseModel(checkpoint: plan.checkpoint, threads: threads, bf16Products: dtype.bf16Products())
        } catch { throw .runtime(error) }
        let head = plan.quantization.architecture.layout.head
        let solvers = Set(program.passes.compactMap { $0.gptq?.modifier })
        let calibratesHead = plan.quantization.entries.indices.contains { i in
            guard plan.quantization.entries[i].module == head, case let .quantize(group) = plan.quantization.entries[i].action else { return false }
            return plan.inputScales[group] != nil || plan.quantization.groups[group].scheme.weights.map(InputImportance.isImatrix) == true
                || solvers.contains(plan.quantization.groupModifiers[group])
        }
        layout = BlockLayout(entries: plan.quantization.entries, blockCount: model.spec.layerCount,
                             layout: plan.quantization.architecture.layout, calibratesHead: calibratesHead)
    }

    /// The output tensors in the order ``run(samples:step:progress:)`` writes them.
    var outputs: [OutputTensor] { layout.writeOrder.flatMap { plan.entryOutputs[$0] } }

    /// Calibrates on `samples` (this rank's part of them) and writes every output tensor through
    /// `step` (nil on ranks that write nothing); `progress` gets each entry done.
    func run(samples allSamples: [[Int]], step: TensorWriteStep?, progress: (Int) throws(ModifierError) -> Void) throws(ModifierError) {
        guard !allSamples.isEmpty else { throw .runtime(.emptyInput) }
        let samples = reducer.size > 1 ? Array(try SampleSplit.part(allSamples, rank: reducer.rank, ranks: reducer.size)) : allSamples
        let entries = plan.quantization.entries
        var outsideFused = FusedGroupStatistics(plan: plan)
        for i in layout.outside {
            try emit(i, replacements: [:], observed: [], solved: nil, fused: &outsideFused, step: step)
            try progress(i)
        }
        // One copy of the hidden states per pass; smoothing calibrates on the first, the
        // unquantized model's, when there are smoothing modifiers.
        let passes = program.passes
        var hidden: [[[Float]]]
        do { hidden = Array(repeating: try model.embed(samples: samples), count: passes.count) } catch { throw ModifierError.runtime(error) }
        // The last block's outputs before a GPTQModifier's pass quantized it, which the head sees.
        var headInputs: [Int: [[Float]]] = [:]
        for (b, members) in layout.blocks.enumerated() {
            let blockEntries = members.map { entries[$0] }
            // The block's weights as smoothing left them.
            var replacements: [String: [Float]] = [:]
            var routed: RoutedTokenCounts?
            var observed: [ObservedScales] = []
            var importances: [InputImportance] = []
            var solved: [Int: GPTQResult] = [:]
            // The block's weights as the next pass sees them: smoothed, and quantized by the GPTQModifiers so far.
            var weights = replacements
            // A fused group's members share the statistic of their weights as smoothing left them.
            var fused = FusedGroupStatistics(plan: plan)
            for (p, pass) in passes.enumerated() {
                let tap = SiteTap(everyExpert: everyExpert)
                // Routing is counted in the last pass, the one through the most quantized weights.
                if p == passes.count - 1, !everyExpert, let mixture = model.spec.mixture {
                    routed = RoutedTokenCounts(experts: mixture.expertCount, tap: tap)
                }
                if let gptq = pass.gptq {
                    let own = members.filter { plan.quantization.modifier(ofEntry: $0) == gptq.modifier }
                    observed.append(try ObservedScales(plan: plan, members: members, modifier: gptq.modifier, tap: tap, threads: threads))
                    let hessians = GPTQHessians(plan: plan, members: own, tap: tap, dtype: dtype)
                    var copies = hidden[p]
                    try run(try loadBlock(b, weights), &copies, tap: tap)
                    if b == layout.blocks.count - 1, !layout.head.isEmpty { headInputs[p] = copies }
                    try observed[observed.count - 1].reduce(over: reducer)
                    model.releaseWorkspace()  // the solver's memory, not the forward pass's, is the peak
                    let results = try hessians.solve(plan: plan, settings: gptq.settings, threads: threads, reducer: reducer,
                                                     values: { name throws(ModifierError) in try values(name, weights) },
                                                     context: { i throws(ModifierError) in
                                                         try fused.context(for: i, replacements: replacements, threads: threads, allowNonFinite: false)
                                                     })
                    for (i, result) in results {
                        weights[entries[i].tensor.name] = result.weight
                        solved[i] = result
                    }
                }
                try smooth(pass.smoothing, block: b, entries: blockEntries, hidden: hidden[p],
                           solved: Set(solved.keys.map { entries[$0].tensor.name }), weights: &weights, replacements: &replacements)
                let propagationTap = pass.gptq == nil ? tap : SiteTap(everyExpert: everyExpert)
                let firstObserving = observed.count, firstImportance = importances.count
                for m in pass.observing {
                    observed.append(try ObservedScales(plan: plan, members: members, modifier: m, tap: propagationTap, threads: threads))
                    importances.append(InputImportance(plan: plan, members: members, modifier: m, tap: propagationTap, keepsSamples: reducer.size > 1))
                }
                try run(try loadBlock(b, weights), &hidden[p], tap: propagationTap.isEmpty ? nil : propagationTap)
                for scales in observed[firstObserving...] { try scales.reduce(over: reducer) }
                for importance in importances[firstImportance...] { try importance.reduce(over: reducer) }
            }
            try routed?.reduce(over: reducer)
            for line in routed?.warnings(block: b, layout: plan.quantization.architecture.layout) ?? [] { warn?(line) }
            let importance = try Self.merged(importances, plan: plan)
            for i in members {
                try emit(i, replacements: replacements, observed: observed, importance: importance, solved: solved[i], fused: &fused, step: step)
                try progress(i)
            }
        }
        try emitHead(hidden: hidden.indices.map { headInputs[$0] ?? hidden[$0] }, passes: passes, step: step, progress: progress)
    }

    /// Writes the output head's entries, whose static input scales observe, and whose GPTQ
    /// Hessians accumulate, the final norm's output on the last block's outputs `hidden` of the
    /// pass of the modifier that quantizes them. llm-compressor calibrates `lm_head` in the last
    /// block's subgraph: for a GPTQModifier's pass, `hidden` is the last block's output before
    /// that modifier quantized it, as the subgraph's calibration forward computes it.
    private func emitHead(hidden: [[[Float]]], passes: [CalibrationPass], step: TensorWriteStep?,
                          progress: (Int) throws(ModifierError) -> Void) throws(ModifierError) {
        guard !layout.head.isEmpty else { return }
        var observed: [ObservedScales] = []
        var importances: [InputImportance] = []
        var solved: [Int: GPTQResult] = [:]
        var fused = FusedGroupStatistics(plan: plan)
        for (p, pass) in passes.enumerated() {
            let tap = SiteTap(everyExpert: everyExpert)
            let first = observed.count, firstImportance = importances.count
            for m in (pass.gptq.map { [$0.modifier] } ?? []) + pass.observing {
                observed.append(try ObservedScales(plan: plan, members: layout.head, modifier: m, tap: tap, threads: threads))
            }
            for m in pass.observing { importances.append(InputImportance(plan: plan, members: layout.head, modifier: m, tap: tap, keepsSamples: reducer.size > 1)) }
            let hessians = pass.gptq.map { gptq in
                GPTQHessians(plan: plan, members: layout.head.filter { plan.quantization.modifier(ofEntry: $0) == gptq.modifier }, tap: tap,
                             dtype: dtype)
            }
            guard !tap.isEmpty else { continue }
            try cancellation?.check()
            do { try model.observeHeadInput(hidden[p], tap: tap) } catch { throw .runtime(error) }
            for scales in observed[first...] { try scales.reduce(over: reducer) }
            for importance in importances[firstImportance...] { try importance.reduce(over: reducer) }
            if let gptq = pass.gptq, let hessians {
                let results = try hessians.solve(plan: plan, settings: gptq.settings, threads: threads, reducer: reducer,
                                                 values: { name throws(ModifierError) in try values(name, [:]) },
                                                 context: { i throws(ModifierError) in
                                                     try fused.context(for: i, replacements: [:], threads: threads, allowNonFinite: false)
                                                 })
                solved.merge(results) { $1 }
            }
        }
        let importance = try Self.merged(importances, plan: plan)
        for i in layout.head {
            try emit(i, replacements: [:], observed: observed, importance: importance, solved: solved[i], fused: &fused, step: step)
            try progress(i)
        }
    }

    /// Runs smoothing `steps` on block `b` as `weights` leave it (smoothed and solved so far), on
    /// `hidden`, and keeps their rescaled tensors in both `weights` and `replacements`; the tensors
    /// GPTQ `solved` are never smoothed (``AWQ/requireUnquantized(_:quantization:before:)``).
    private func smooth(_ steps: [CalibrationProgram.Smoothing], block b: Int, entries: [QuantizationPlan.Entry], hidden: [[Float]],
                        solved: Set<String>, weights: inout [String: [Float]], replacements: inout [String: [Float]]) throws(ModifierError) {
        guard !steps.isEmpty else { return }
        for step in steps {
            switch step {
            case let .smoothQuant(smoothQuant):
                try smooth(smoothQuant, block: b, entries: entries, hidden: hidden, replacements: &weights)
            case let .awq(awq):
                try balance(awq, block: b, entries: entries, hidden: hidden, replacements: &weights)
            }
        }
        replacements.merge(weights.filter { !solved.contains($0.key) }) { $1 }
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

    /// The importance of the input channels of every entry an imatrix observer searches, from
    /// the block's calibration passes.
    private static func merged(_ importances: [InputImportance], plan: OneshotPlan) throws(ModifierError) -> [Int: [Float]] {
        var result: [Int: [Float]] = [:]
        for importance in importances { result.merge(try importance.importance(plan: plan)) { first, _ in first } }
        return result
    }

    /// Writes the outputs of entry `i` through `step`: the tensor as calibration left it (or as
    /// GPTQ solved it), copied or quantized with its fused group's shared statistic (`fused`, one
    /// per block) and the importance of its inputs (imatrix observers), then its calibrated scales.
    /// Without a `step` (a rank that does not write), the tensor's pages are released only.
    private func emit(_ i: Int, replacements: [String: [Float]], observed: [ObservedScales], importance: [Int: [Float]] = [:],
                      solved: GPTQResult?, fused: inout FusedGroupStatistics, step: TensorWriteStep?) throws(ModifierError) {
        let entry = plan.quantization.entries[i]
        guard let step else {
            plan.checkpoint.release(entry.tensor)
            return
        }
        let context = try fused.context(for: i, replacements: replacements, threads: threads, allowNonFinite: false,
                                        importance: { importance[$0] })
        let calibrated = { (output: OutputTensor) throws(ModifierError) in
            try (observed.first { $0.observes(output.name) } ?? ObservedScales()).bytes(of: output, plan: self.plan)
        }
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
