import Checkpoint
import Recipes

/// The range of an activation over calibration samples, as llm-compressor 0.14's activation
/// observers keep it for a static scale (`llmcompressor/observers/min_max.py`, `mse.py`).
///
/// Each sample is one observation: its smallest and largest value, or for the MSE observers the
/// range their grid search picks on the sample (``ActivationSearch``). `static_minmax` keeps the
/// extremes over all samples; `minmax` (the default for activations and the KV cache) and `mse`
/// keep a moving average, `old + c·(new − old)` with `averaging_constant` c (0.01);
/// `memoryless_minmax`, `memoryless_mse` and `nvfp4_expanded_mse` keep the last sample's.
struct RangeObserver: Sendable {
    enum Rule: Sendable, Equatable {
        case extremes
        case movingAverage(Float)
        case last
    }

    let rule: Rule
    private(set) var minimum: Float?
    private(set) var maximum: Float?
    /// Every sample's smallest and largest value, in the order observed: what ranks calibrating
    /// together exchange, to replay them in calibration order (`replaying(_:)`).
    private(set) var observations: [Float] = []

    /// The observer `args.observer` names (nil: `minmax`), for `what` (the error names it).
    init(args: QuantizationArgs, what: String) throws(ModifierError) {
        switch args.observer.map({ ObserverNames.registered($0) ?? $0 }) ?? "minmax" {
        case "static_minmax": rule = .extremes
        case "memoryless_minmax", "memoryless_mse", "nvfp4_expanded_mse", "fouroversix": rule = .last
        case "minmax", "mse":
            var constant: Float = 0.01
            if let value = args.observerKwargs["averaging_constant"] {
                switch value {
                case let .double(d, _): constant = Float(d)
                case let .integer(i): constant = Float(i)
                default: throw .unsupportedScheme(group: what, reason: "observer_kwargs.averaging_constant must be a number")
                }
            }
            rule = .movingAverage(constant)
        case let other:
            throw .unsupportedScheme(group: what, reason: "activation observer '\(other)' is not supported; use minmax, static_minmax, memoryless_minmax, mse or memoryless_mse")
        }
    }

    /// Refuses, when the plan is made, an activation scheme (`args`: static, or NVFP4's static
    /// global scale; fully dynamic ones observe nothing) of config group `group` whose observer
    /// calibration could not run, at `position` (the modifier's FILE:LINE:COLUMN), rather than when
    /// calibration reaches its first layer.
    static func requireRunnable(_ args: QuantizationArgs?, group: String, position: String) throws(ModifierError) {
        guard let args, args.dynamic != .on else { return }
        do {
            _ = try RangeObserver(args: args, what: group)
            _ = try ActivationSearch(args: args, what: group, threads: 1)
        } catch let .unsupportedScheme(_, reason) {
            throw .recipe("\(position): config group '\(group)': \(reason)")
        }
    }

    /// Takes one sample's smallest and largest value.
    mutating func observe(min newMin: Float, max newMax: Float) {
        observations.append(newMin)
        observations.append(newMax)
        guard let oldMin = minimum, let oldMax = maximum else {
            minimum = newMin
            maximum = newMax
            return
        }
        switch rule {
        case .extremes:
            minimum = Swift.min(oldMin, newMin)
            maximum = Swift.max(oldMax, newMax)
        case let .movingAverage(c) where c != 1:
            minimum = oldMin + c * (newMin - oldMin)
            maximum = oldMax + c * (newMax - oldMax)
        case .movingAverage, .last:
            minimum = newMin
            maximum = newMax
        }
    }

    /// Whether any sample was observed.
    var hasObservations: Bool { minimum != nil }

    /// This observer's rule run afresh on the `observations` of each part of the samples, in
    /// order: the ranks' parts in rank order give the observer of one process on all samples.
    func replaying(_ parts: [[Float]]) -> RangeObserver {
        var observer = self
        observer.minimum = nil
        observer.maximum = nil
        observer.observations = []
        for part in parts {
            for k in stride(from: 0, to: part.count - 1, by: 2) { observer.observe(min: part[k], max: part[k + 1]) }
        }
        return observer
    }

    /// The largest magnitude of the range with zero included, as `calculate_qparams` takes it.
    var largestMagnitude: Float {
        Swift.max(abs(Swift.min(minimum ?? 0, 0)), abs(Swift.max(maximum ?? 0, 0)))
    }
}

/// Scales from observed ranges, as compressed-tensors' `calculate_qparams` and `generate_gparam`
/// compute them.
enum StaticScales {
    /// The symmetric per-tensor scale of `args` (FP8 or integer) for a range of largest magnitude
    /// `absmax`, rounded to `dtype` as the activations' dtype would hold it; a zero scale becomes
    /// the dtype's epsilon.
    static func symmetric(absmax: Float, args: QuantizationArgs, dtype: DType) -> Float {
        let halfRange: Float
        if args.type == .float {
            halfRange = args.numBits == 8 ? FP8E4M3.maxFinite : 6
        } else {
            halfRange = (Float(1 << args.numBits) - 1) / 2
        }
        let scale = rounded(rounded(absmax, to: dtype) / halfRange, to: dtype)
        return scale == 0 ? epsilon(dtype) : scale
    }

    /// The asymmetric per-tensor scale and zero point of integer `args` for the range
    /// `minimum...maximum` (rounded to `dtype`, as the activations' dtype would hold it), computed
    /// in `dtype` as compressed-tensors' `calculate_qparams` does (``IntegerGrid``).
    static func asymmetric(minimum: Float, maximum: Float, args: QuantizationArgs, dtype: DType) -> (scale: Float, zeroPoint: Int8) {
        let grid = IntegerGrid(bits: args.numBits, symmetric: false)
        func parameters<S: WeightStorage>(_ storage: S.Type) -> (scale: Float, zeroPoint: Int8) {
            let (scale, zeroPoint) = grid.parameters(S.self, minimum: S.rounded(minimum), maximum: S.rounded(maximum))
            return (S.float(scale), zeroPoint)
        }
        switch dtype {
        case .bf16: return parameters(BF16Storage.self)
        case .f16: return parameters(F16Storage.self)
        default: return parameters(F32Storage.self)
        }
    }

    /// NVFP4's global scale for a range of largest magnitude `absmax` (f32): 448·6 / absmax, or 1
    /// when that is not finite.
    static func global(absmax: Float) -> Float {
        let value = FP8E4M3.maxFinite * 6 / Swift.max(absmax, Float.leastNormalMagnitude)
        return value.isFinite ? value : 1
    }

    /// `value` rounded to `dtype` (BF16, F16 or F32).
    static func rounded(_ value: Float, to dtype: DType) -> Float {
        switch dtype {
        case .bf16: return BF16.float(BF16.bits(value))
        case .f16: return F16.float(F16.bits(value))
        default: return value
        }
    }

    /// torch.finfo(dtype).eps.
    static func epsilon(_ dtype: DType) -> Float {
        switch dtype {
        case .bf16: return 0.0078125
        case .f16: return 0.0009765625
        default: return Float.ulpOfOne
        }
    }
}
