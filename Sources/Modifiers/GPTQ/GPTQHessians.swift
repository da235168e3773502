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
        init(columns: Int) { accumulator = HessianAccumulator(columns: columns) }
    }

    private var bySite: [LayerSite: Box] = [:]
    /// The quantized entries of the block and the site each reads.
    private let members: [(entry: Int, site: LayerSite)]

    /// Accumulators for the quantized entries among `members`, registered on `tap`.
    init(plan: OneshotPlan, members: [Int], tap: SiteTap) {
        var list: [(Int, LayerSite)] = []
        for i in members {
            let entry = plan.quantization.entries[i]
            guard case .quantize = entry.action,
                  let site = plan.quantization.architecture.site(ofLinear: entry.module, everyExpert: tap.calibratesEveryExpert)
            else { continue }
            list.append((i, site))
            if bySite[site] == nil {
                let box = Box(columns: entry.tensor.info.shape[1])
                bySite[site] = box
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
    /// (`values(name)`), in its config group's format, with what its fused siblings contribute (`context(i)`).
    func solve(plan: OneshotPlan, settings: GPTQSettings, threads: Int,
               values: (String) throws(ModifierError) -> [Float],
               context: (Int) throws(ModifierError) -> QuantizationContext) throws(ModifierError) -> [Int: GPTQResult] {
        var hessians: [LayerSite: [Float]] = [:]
        for (site, box) in bySite where box.rows > 0 { hessians[site] = box.accumulator.hessian() }
        var results: [Int: GPTQResult] = [:]
        for (i, site) in members where hessians[site] != nil {
            let entry = plan.quantization.entries[i]
            guard case let .quantize(group) = entry.action, let args = plan.quantization.groups[group].scheme.weights else { continue }
            let weight = try values(entry.tensor.name)
            let fused = try context(i)
            results[i] = try weight.withUnsafeBufferPointer { (buffer) throws(ModifierError) in
                try GPTQSolver.quantize(weight: buffer, tensor: entry.tensor.info, hessian: hessians[site]!, args: args,
                                        quantizer: plan.quantizers[group], context: fused,
                                        blockSize: settings.blockSize, dampeningFrac: settings.dampeningFrac, threads: threads)
            }
        }
        return results
    }
}
