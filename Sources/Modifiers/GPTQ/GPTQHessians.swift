import Checkpoint
import Recipes
import Runtime

/// The Hessians of one block's GPTQ-quantized Linear layers, accumulated from the activations
/// they read: one per site, shared by the layers reading it (q, k and v; gate and up).
final class GPTQHessians {
    private final class Box {
        var accumulator: HessianAccumulator
        /// Input rows (tokens) seen.
        var rows = 0
        init(columns: Int, roundsInputsToBF16: Bool) { accumulator = HessianAccumulator(columns: columns, roundsInputsToBF16: roundsInputsToBF16) }
    }

    private var bySite: [LayerSite: Box] = [:]
    /// The sites in the order of their first entry: the order ranks exchange them in.
    private var sites: [LayerSite] = []
    /// The quantized entries of the block and the site each reads.
    private let members: [(entry: Int, site: LayerSite)]

    /// Accumulators for the quantized entries among `members`, registered on `tap`. Calibrated in
    /// the checkpoint's dtype (`dtype` auto), a site whose layer is stored in bf16 rounds its
    /// inputs to bf16, as that layer's product does (``HessianAccumulator/roundsInputsToBF16``).
    init(plan: OneshotPlan, members: [Int], tap: SiteTap, dtype: CalibrationDType) {
        var list: [(Int, LayerSite)] = []
        for i in members {
            let entry = plan.quantization.entries[i]
            guard case .quantize = entry.action,
                  let site = plan.quantization.architecture.site(ofLinear: entry.module, everyExpert: tap.calibratesEveryExpert)
            else { continue }
            list.append((i, site))
            if bySite[site] == nil {
                let box = Box(columns: entry.tensor.info.shape[1], roundsInputsToBF16: dtype.bf16Products().roundsInputs(ofWeightsIn: entry.tensor.info.dtype))
                bySite[site] = box
                sites.append(site)
                tap.add(site) { values, rows, _, _ in
                    box.accumulator.add(rows: values, count: rows)
                    box.rows += rows
                }
            }
        }
        self.members = list
    }

    /// The quantized entries whose inputs got no token (experts the router never chose): GPTQ
    /// leaves them out, so they are quantized from their weights alone (round to nearest).
    var entriesWithoutTokens: [Int] { members.filter { bySite[$0.site]!.rows == 0 }.map(\.entry) }

    /// GPTQ on every quantized entry whose inputs got tokens, each from its weight's current values
    /// (`values(name)`), in its config group's format, with what its fused siblings contribute
    /// (`context(i)`). Over several ranks (`reducer`), each layer is solved by one owner rank
    /// (``SolverOwners``) on the Hessian of every rank's samples, gathered onto it, and the
    /// result is broadcast to every rank.
    func solve(plan: OneshotPlan, settings: GPTQSettings, threads: Int, reducer: any StatisticsReducer,
               values: (String) throws(ModifierError) -> [Float],
               context: (Int) throws(ModifierError) -> QuantizationContext) throws(ModifierError) -> [Int: GPTQResult] {
        guard reducer.size > 1 else {
            var hessians: [LayerSite: [Float]] = [:]
            for (site, box) in bySite where box.rows > 0 { hessians[site] = box.accumulator.hessian() }
            return try solve(members.filter { hessians[$0.site] != nil }, hessians: hessians, plan: plan, settings: settings,
                             threads: threads, values: values, context: context)
        }
        let sampleCounts = try reduceCounts(over: reducer)
        let solvable = members.filter { bySite[$0.site]!.rows > 0 }
        let owners = SolverOwners.assign(costs: solvable.map { bySite[$0.site]!.accumulator.columns * bySite[$0.site]!.accumulator.columns },
                                         ranks: reducer.size)
        var hessians: [LayerSite: [Float]] = [:]
        for site in sites {
            let siteOwners = Set(solvable.indices.filter { solvable[$0].site == site }.map { owners[$0] }).sorted()
            guard !siteOwners.isEmpty, let box = bySite[site] else { continue }
            var payload = StatisticsPayload()
            payload.append(box.accumulator.packedSum)
            for owner in siteOwners {
                let parts = try reducer.gather(payload.bytes, root: owner)
                guard owner == reducer.rank else { continue }
                var packed: [[Double]] = []
                for part in parts {
                    var reader = StatisticsReader(part)
                    packed.append(try reader.doubles())
                }
                let combined = try HessianAccumulator(columns: box.accumulator.columns, packedSums: packed, sampleCounts: sampleCounts[site] ?? [])
                hessians[site] = combined.hessian()
            }
        }
        let owned = solvable.indices.filter { owners[$0] == reducer.rank && hessians[solvable[$0].site] != nil }.map { solvable[$0] }
        var results = try solve(owned, hessians: hessians, plan: plan, settings: settings, threads: threads, values: values, context: context)
        for (k, (i, _)) in solvable.enumerated() {
            let bytes = try reducer.broadcast(results[i]?.encoded ?? [], root: owners[k])
            if owners[k] != reducer.rank, !bytes.isEmpty {
                results[i] = try GPTQResult(tensor: plan.quantization.entries[i].tensor.info, encoded: bytes)
            }
        }
        return results
    }

    /// GPTQ on `list`'s entries in order, each from the Hessian of its site (in `hessians`),
    /// factored once per site and ordering, the factors made beside the solves (``FactorPipeline``).
    private func solve(_ list: [(entry: Int, site: LayerSite)], hessians: [LayerSite: [Float]], plan: OneshotPlan, settings: GPTQSettings,
                       threads: Int, values: (String) throws(ModifierError) -> [Float],
                       context: (Int) throws(ModifierError) -> QuantizationContext) throws(ModifierError) -> [Int: GPTQResult] {
        var layers: [(entry: Int, group: Int, args: QuantizationArgs, key: FactorPipeline.Key)] = []
        var jobs: [FactorPipeline.Job] = []
        var keys = Set<FactorPipeline.Key>()
        for (i, site) in list {
            let entry = plan.quantization.entries[i]
            guard case let .quantize(group) = entry.action, let args = plan.quantization.groups[group].scheme.weights else { continue }
            let key = FactorPipeline.Key(site: site, ordering: try GPTQActivationOrdering(args.actorder, tensor: entry.tensor.name))
            layers.append((i, group, args, key))
            if keys.insert(key).inserted {
                jobs.append(FactorPipeline.Job(key: key, columns: entry.tensor.info.shape.count == 2 ? entry.tensor.info.shape[1] : 0,
                                               tensor: entry.tensor.name))
            }
        }
        let factors = FactorPipeline(jobs: jobs, hessians: hessians, dampeningFrac: settings.dampeningFrac)
        defer { factors.finish() }
        var results: [Int: GPTQResult] = [:]
        for (i, group, args, key) in layers {
            let entry = plan.quantization.entries[i]
            let factored = try factors.factored(key)
            let weight = try values(entry.tensor.name)
            let fused = try context(i)
            results[i] = try weight.withUnsafeBufferPointer { (buffer) throws(ModifierError) in
                try GPTQSolver.quantize(weight: buffer, tensor: entry.tensor.info, factored: factored, args: args,
                                        quantizer: plan.weightQuantizer(group), context: fused,
                                        blockSize: settings.blockSize, threads: threads)
            }
        }
        return results
    }

    /// Makes each site's token count every rank's sum, and returns each site's sample count per rank.
    private func reduceCounts(over reducer: any StatisticsReducer) throws(ModifierError) -> [LayerSite: [Int]] {
        var payload = StatisticsPayload()
        for site in sites {
            payload.append(bySite[site]!.rows)
            payload.append(bySite[site]!.accumulator.sampleCount)
        }
        var parts = try reducer.allGather(payload)
        var rows = [Int](repeating: 0, count: sites.count)
        var samples: [LayerSite: [Int]] = [:]
        for r in parts.indices {
            for (k, site) in sites.enumerated() {
                rows[k] += try parts[r].int()
                samples[site, default: []].append(try parts[r].int())
            }
        }
        for (k, site) in sites.enumerated() { bySite[site]!.rows = rows[k] }
        return samples
    }
}
