import Checkpoint
import Recipes
import Runtime

/// The static scales of one block's calibration pass: an observer on the input of each quantized
/// Linear layer whose scheme has static input activations, and on the keys and values when the
/// modifier has a KV cache scheme (one scale per tensor, or per KV head under `attn_head`, each
/// head's observer over its columns). Each sample is one observation.
final class ObservedScales {
    private final class Observed {
        /// One observer per tensor, or per KV head (`attn_head`), each over its heads' columns.
        var observers: [RangeObserver]
        let args: QuantizationArgs
        /// The dtype the scale is written in, in which an asymmetric zero point is computed.
        let scaleDType: DType
        init(_ observer: RangeObserver, count: Int, _ args: QuantizationArgs, scaleDType: DType) {
            observers = Array(repeating: observer, count: count)
            self.args = args
            self.scaleDType = scaleDType
        }

        /// Takes one sample's `rows × width` values, split over the observers by columns.
        func observe(_ values: UnsafePointer<Float>, rows: Int, width: Int, stride: Int) {
            let part = width / observers.count
            for h in observers.indices {
                let (lo, hi) = TensorRange.of(values + h * part, rows: rows, width: part, stride: stride)
                observers[h].observe(min: lo, max: hi)
            }
        }
    }

    /// Observers by the module (`….q_proj`) or KV cache output (`….k_scale`) they serve.
    private var observed: [String: Observed] = [:]

    /// No observers (outside the blocks).
    init() {}

    /// The observers the entries `members` of `plan` need, registered on `tap`.
    init(plan: OneshotPlan, members: [Int], tap: SiteTap) throws(ModifierError) {
        var bySite: [LayerSite: [Observed]] = [:]
        for i in members {
            for output in plan.entryOutputs[i] {
                let (module, parameter) = QuantizationPlan.split(output.name)
                let observer: Observed
                let site: LayerSite
                switch parameter {
                case "input_scale", "input_global_scale":
                    guard case let .quantize(group) = plan.quantization.entries[i].action,
                          let args = plan.quantization.groups[group].scheme.inputActivations,
                          let linearSite = plan.quantization.architecture.site(ofLinear: module, everyExpert: tap.calibratesEveryExpert)
                    else { continue }
                    observer = Observed(try RangeObserver(args: args, what: plan.quantization.groups[group].name), count: 1, args,
                                        scaleDType: output.dtype)
                    site = linearSite
                case "k_scale", "v_scale":
                    guard let args = plan.modifier.kvCacheScheme else { continue }
                    observer = Observed(try RangeObserver(args: args, what: "kv_cache_scheme"), count: output.shape.reduce(1, *), args,
                                        scaleDType: output.dtype)
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
                    if entry.observers.count == 1 { entry.observers[0].observe(min: lo, max: hi) } else { entry.observe(values, rows: rows, width: width, stride: stride) }
                }
            }
        }
    }

    /// The bytes of calibrated scale or zero-point tensor `output`; an asymmetric input's
    /// `input_zero_point` comes from the observer of its `input_scale`, in whose dtype it is computed.
    func bytes(of output: OutputTensor, plan: OneshotPlan) throws(ModifierError) -> [UInt8] {
        let (module, parameter) = QuantizationPlan.split(output.name)
        let zeroPoint = parameter == "input_zero_point"
        guard let entry = observed[zeroPoint ? module + ".input_scale" : output.name] else {
            throw .unsupportedScheme(group: output.name, reason: "no calibration statistics were gathered for this tensor")
        }
        guard entry.observers.allSatisfy(\.hasObservations) else {
            throw .unsupportedScheme(
                group: output.name,
                reason: "no calibration token reached this module (an expert the router never chose); calibrate every expert on every token (moe_calibrate_all_experts, the default) or use more samples")
        }
        if output.name.hasSuffix(".input_global_scale") {
            return ActivationScales.bytes(StaticScales.global(absmax: entry.observers[0].largestMagnitude), as: output.dtype)
        }
        if !entry.args.symmetric {
            let observer = entry.observers[0]
            let (scale, code) = StaticScales.asymmetric(minimum: observer.minimum ?? 0, maximum: observer.maximum ?? 0,
                                                        args: entry.args, dtype: entry.scaleDType)
            return zeroPoint ? [UInt8(bitPattern: code)] : ActivationScales.bytes(scale, as: output.dtype)
        }
        return entry.observers.flatMap {
            ActivationScales.bytes(StaticScales.symmetric(absmax: $0.largestMagnitude, args: entry.args, dtype: output.dtype), as: output.dtype)
        }
    }
}
