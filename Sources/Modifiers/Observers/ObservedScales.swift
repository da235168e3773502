import Checkpoint
import Recipes
import Runtime

/// The static scales of one block's calibration pass: an observer on the input of each quantized
/// Linear layer whose scheme has static input activations, and on the keys and values when the
/// modifier has a KV cache scheme. Each sample is one observation.
final class ObservedScales {
    private final class Observed {
        var observer: RangeObserver
        /// Per channel group, for a tensor-group activation's global scale.
        var grouped: GroupedRangeObserver?
        let args: QuantizationArgs
        init(_ observer: RangeObserver, _ args: QuantizationArgs) {
            self.observer = observer
            self.args = args
            if args.strategy == .tensorGroup, let size = args.groupSize {
                grouped = GroupedRangeObserver(template: observer, groupSize: size)
            }
        }

        var hasObservations: Bool { grouped?.hasObservations ?? observer.hasObservations }
        var largestMagnitude: Float { grouped?.largestMagnitude ?? observer.largestMagnitude }
    }

    /// Observers by the module (`….q_proj`) or KV cache output (`….k_scale`) they serve.
    private var observed: [String: Observed] = [:]

    /// No observers (outside the blocks).
    init() {}

    /// The observers the entries `members` of `plan` need for quantizing modifier `modifier` (its
    /// config groups' input scales, its KV cache scales), registered on `tap`.
    init(plan: OneshotPlan, members: [Int], modifier: Int, tap: SiteTap) throws(ModifierError) {
        var bySite: [LayerSite: [Observed]] = [:]
        for i in members {
            for output in plan.entryOutputs[i] {
                let (module, parameter) = QuantizationPlan.split(output.name)
                let observer: Observed
                let site: LayerSite
                switch parameter {
                case "input_scale", "input_global_scale":
                    guard case let .quantize(group) = plan.quantization.entries[i].action,
                          plan.quantization.groupModifiers[group] == modifier,
                          let args = plan.quantization.groups[group].scheme.inputActivations,
                          let linearSite = plan.quantization.architecture.site(ofLinear: module, everyExpert: tap.calibratesEveryExpert)
                    else { continue }
                    observer = Observed(try RangeObserver(args: args, what: plan.quantization.groups[group].name), args)
                    site = linearSite
                case "k_scale", "v_scale":
                    guard let args = plan.modifiers[modifier].kvCacheScheme else { continue }
                    observer = Observed(try RangeObserver(args: args, what: "kv_cache_scheme"), args)
                    site = parameter == "k_scale" ? .keys : .values
                default:
                    continue
                }
                observed[output.name] = observer
                bySite[site, default: []].append(observer)
            }
        }
        for (site, list) in bySite {
            tap.add(site) { values, rows, width, stride in
                guard rows > 0 else { return }  // an expert no token was routed to: no observation
                let (lo, hi) = TensorRange.of(values, rows: rows, width: width, stride: stride)
                for entry in list {
                    if var grouped = entry.grouped {
                        entry.grouped = nil  // observe in place, without a copy of the groups
                        grouped.observe(values, rows: rows, width: width, stride: stride)
                        entry.grouped = grouped
                    } else {
                        entry.observer.observe(min: lo, max: hi)
                    }
                }
            }
        }
    }

    /// Whether an observer serves output tensor `name`.
    func observes(_ name: String) -> Bool { observed[name] != nil }

    /// The bytes of calibrated scale tensor `output`.
    func bytes(of output: OutputTensor, plan: OneshotPlan) throws(ModifierError) -> [UInt8] {
        guard let entry = observed[output.name] else {
            throw .unsupportedScheme(group: output.name, reason: "no calibration statistics were gathered for this tensor")
        }
        guard entry.hasObservations else {
            throw .unsupportedScheme(
                group: output.name,
                reason: "no calibration token reached this module (an expert the router never chose); calibrate every expert on every token (moe_calibrate_all_experts, the default) or use more samples")
        }
        let absmax = entry.largestMagnitude
        if output.name.hasSuffix(".input_global_scale") {
            return ActivationScales.bytes(StaticScales.global(absmax: absmax), as: output.dtype)
        }
        return ActivationScales.bytes(StaticScales.symmetric(absmax: absmax, args: entry.args, dtype: output.dtype), as: output.dtype)
    }
}
