import Checkpoint
import Recipes
import Runtime

/// The static scales of one block's calibration pass: an observer on the input of each quantized
/// Linear layer whose scheme has static input activations, on the keys and values when the
/// modifier has a KV cache scheme, and on the queries, keys and values of the attention modules it
/// quantizes (one scale per tensor, or per head under `attn_head`, each head's observer over its
/// columns). Each sample is one observation: its range, or the range an
/// MSE observer's search picks on it (``ActivationSearch``).
final class ObservedScales {
    private final class Observed {
        /// One observer per tensor, or per KV head (`attn_head`), each over its heads' columns.
        var observers: [RangeObserver]
        /// Per channel group, for a tensor-group activation's global scale.
        var grouped: GroupedRangeObserver?
        /// An MSE observer's search of each sample's range.
        let search: ActivationSearch?
        /// Why a sample could not be observed (searched), reported when the scale is asked for.
        var failure: ModifierError?
        let args: QuantizationArgs
        /// The dtype the scale is written in, in which an asymmetric zero point is computed.
        let scaleDType: DType
        init(_ observer: RangeObserver, count: Int, _ args: QuantizationArgs, scaleDType: DType, search: ActivationSearch?) {
            observers = Array(repeating: observer, count: count)
            self.args = args
            self.scaleDType = scaleDType
            self.search = search
            if args.strategy == .tensorGroup, let size = args.groupSize {
                grouped = GroupedRangeObserver(template: observer, groupSize: size)
            }
        }

        /// Takes one sample's `rows × width` values: into the channel groups, the one observer,
        /// or split over the per-head observers by columns.
        func observe(_ values: UnsafePointer<Float>, rows: Int, width: Int, stride: Int) {
            if var grouped {
                self.grouped = nil  // observe in place, without a copy of the groups
                grouped.observe(values, rows: rows, width: width, stride: stride)
                self.grouped = grouped
                return
            }
            let part = width / observers.count
            for h in observers.indices {
                let (lo, hi) = TensorRange.of(values + h * part, rows: rows, width: part, stride: stride)
                observers[h].observe(min: lo, max: hi)
            }
        }

        /// Takes the range `search` picks on one sample (of range `lo...hi`), one per observer
        /// (tensor or KV head); `name` names the scale in errors.
        func observeSearched(_ search: ActivationSearch, _ values: UnsafePointer<Float>, rows: Int, width: Int, stride: Int,
                             range lo: Float, _ hi: Float, name: String) {
            guard failure == nil else { return }
            guard lo.isFinite, hi.isFinite else {
                failure = .unsupportedScheme(group: name, reason: "a calibration sample's activations hold NaN or Inf, over which the MSE observer cannot search")
                return
            }
            do {
                let ranges = try search.ranges(values, rows: rows, width: width, stride: stride, heads: observers.count, name: name)
                for h in observers.indices { observers[h].observe(min: ranges.minimum[h], max: ranges.maximum[h]) }
            } catch {
                failure = error
            }
        }

        var hasObservations: Bool { grouped?.hasObservations ?? observers.allSatisfy(\.hasObservations) }
        /// The largest magnitude seen (by the first observer when there are several).
        var largestMagnitude: Float { grouped?.largestMagnitude ?? observers[0].largestMagnitude }
    }

    /// Observers by the module (`….q_proj`) or KV cache output (`….k_scale`) they serve.
    private var observed: [String: Observed] = [:]

    /// No observers (outside the blocks).
    init() {}

    /// The observers the entries `members` of `plan` need for quantizing modifier `modifier` (its
    /// config groups' input scales, its KV cache scales, its attention quantization's query, key
    /// and value scales), registered on `tap`; MSE observers search on `threads` threads.
    init(plan: OneshotPlan, members: [Int], modifier: Int, tap: SiteTap, threads: Int) throws(ModifierError) {
        var bySite: [LayerSite: [(name: String, entry: Observed)]] = [:]
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
                    let what = plan.quantization.groups[group].name
                    observer = Observed(try RangeObserver(args: args, what: what), count: 1, args, scaleDType: output.dtype,
                                        search: try ActivationSearch(args: args, what: what, threads: threads))
                    site = linearSite
                case "q_scale", "k_scale", "v_scale":
                    guard let states = OneshotPlan.stateScales(of: module, quantization: plan.quantization, modifiers: plan.modifiers),
                          states.modifier == modifier else { continue }
                    let what = states.query ? "attention quantization" : "kv_cache_scheme"
                    observer = Observed(try RangeObserver(args: states.args, what: what), count: output.shape.reduce(1, *), states.args,
                                        scaleDType: output.dtype,
                                        search: try ActivationSearch(args: states.args, what: what, threads: threads))
                    site = parameter == "q_scale" ? .queries : parameter == "k_scale" ? .keys : .values
                default:
                    continue
                }
                observed[output.name] = observer
                bySite[site, default: []].append((output.name, observer))
            }
        }
        for (site, list) in bySite {
            tap.add(site) { values, rows, width, stride in
                guard rows > 0 else { return }  // an expert no token was routed to: no observation
                let (lo, hi) = TensorRange.of(values, rows: rows, width: width, stride: stride)
                for (name, entry) in list {
                    if let search = entry.search {
                        entry.observeSearched(search, values, rows: rows, width: width, stride: stride, range: lo, hi, name: name)
                    } else if entry.observers.count == 1 && entry.grouped == nil {
                        entry.observers[0].observe(min: lo, max: hi)
                    } else {
                        entry.observe(values, rows: rows, width: width, stride: stride)
                    }
                }
            }
        }
    }

    /// The observed entry output tensor `name` comes from: a zero point (`input_zero_point`, or
    /// attention quantization's `q_zero_point`, `k_zero_point`, `v_zero_point`) comes from the
    /// observer of its scale.
    private func entry(for name: String) -> Observed? {
        let (module, parameter) = QuantizationPlan.split(name)
        guard parameter.hasSuffix("_zero_point") else { return observed[name] }
        return observed[module + "." + parameter.dropLast("_zero_point".count) + "_scale"]
    }

    /// The outputs observed, sorted: the order ranks exchange their observations in.
    var observedNames: [String] { observed.keys.sorted() }

    /// The observations behind output `name`: per observer (one per tensor or KV head, or one
    /// for channel groups), the list of each group (one list without groups).
    func observationLists(of name: String) -> [[[Float]]] {
        guard let entry = observed[name] else { return [] }
        if let grouped = entry.grouped { return [grouped.observations] }
        return entry.observers.map { [$0.observations] }
    }

    /// Replaces the observers of output `name` by their rules run on `parts` in order
    /// (`parts[rank]` as ``observationLists(of:)`` lays them out).
    func replay(_ name: String, _ parts: [[[[Float]]]]) {
        guard let entry = observed[name] else { return }
        if let grouped = entry.grouped {
            entry.grouped = grouped.replaying(parts.map { $0.first ?? [] })
            return
        }
        for h in entry.observers.indices {
            entry.observers[h] = entry.observers[h].replaying(parts.map { h < $0.count ? $0[h].first ?? [] : [] })
        }
    }

    /// Whether an observer serves output tensor `name`.
    func observes(_ name: String) -> Bool { entry(for: name) != nil }

    /// The bytes of calibrated scale or zero-point tensor `output`; an asymmetric input's zero
    /// point is computed in its scale's dtype.
    func bytes(of output: OutputTensor, plan: OneshotPlan) throws(ModifierError) -> [UInt8] {
        guard let entry = entry(for: output.name) else {
            throw .unsupportedScheme(group: output.name, reason: "no calibration statistics were gathered for this tensor")
        }
        if let failure = entry.failure { throw failure }
        guard entry.hasObservations else {
            throw .unsupportedScheme(
                group: output.name,
                reason: "no calibration token reached this module (an expert the router never chose); calibrate every expert on every token (moe_calibrate_all_experts, the default) or use more samples")
        }
        if output.name.hasSuffix(".input_global_scale") {
            return ActivationScales.bytes(StaticScales.global(absmax: entry.largestMagnitude), as: output.dtype)
        }
        if entry.args.symmetric, output.name.hasSuffix("_zero_point") {
            return [UInt8](repeating: 0, count: output.byteCount)
        }
        if !entry.args.symmetric {
            let observer = entry.observers[0]
            let (scale, code) = StaticScales.asymmetric(minimum: observer.minimum ?? 0, maximum: observer.maximum ?? 0,
                                                        args: entry.args, dtype: entry.scaleDType)
            return output.name.hasSuffix(".input_zero_point") ? [UInt8(bitPattern: code)] : ActivationScales.bytes(scale, as: output.dtype)
        }
        return entry.observers.flatMap {
            ActivationScales.bytes(StaticScales.symmetric(absmax: $0.largestMagnitude, args: entry.args, dtype: output.dtype), as: output.dtype)
        }
    }
}
