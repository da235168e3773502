import JSON
import Recipes

/// The weight observer of a config group: what picks each scale's range before the weight is
/// quantized. The min-max observers all give a weight's plain minimum and maximum (a weight is
/// observed once); the MSE observers search a shrinking range (``MSESearch``), the imatrix ones
/// weighing each input channel's error by the calibration inputs (``InputImportance``).
enum WeightObserver: Sendable, Equatable {
    case minMax
    case mse(MSESearch)

    /// The observer `args.observer` names (nil: min-max) with its `observer_kwargs`, for
    /// `family` (what the scheme quantizes to, for the message). `mse` is `memoryless_mse` for
    /// weights, as llm-compressor's `initialize_observer` makes it.
    /// - Throws: `unsupportedObserver` (at `position`, the modifier's) for an observer this port
    ///   cannot run on these weights, rather than running another one in its place.
    init(args: QuantizationArgs, group: String, position: String, searchable: Bool, family: String) throws(ModifierError) {
        let name = args.observer.flatMap(ObserverNames.registered) ?? "memoryless_minmax"
        func refuse(_ reason: String) -> ModifierError {
            .unsupportedObserver(position: position, group: group, observer: args.observer ?? name, reason: reason)
        }
        switch name {
        case "minmax", "static_minmax", "memoryless_minmax":
            self = .minMax
            return
        case "mse", "memoryless_mse", "nvfp4_expanded_mse", "fouroversix", "imatrix_mse", "nvfp4_expanded_imatrix":
            guard searchable else { throw refuse("its grid search is not supported for \(family) weights yet") }
            guard args.scaleDtype == nil || args.strategy == .tensorGroup else {
                throw refuse("its grid search is not supported with scale_dtype \(args.scaleDtype!) yet")
            }
            var search: MSESearch
            switch name {
            case "nvfp4_expanded_mse", "fouroversix": search = .nvfp4Expanded
            case "imatrix_mse": search = .imatrix
            case "nvfp4_expanded_imatrix": search = .nvfp4ExpandedImatrix
            default: search = .standard
            }
            if search.weighted, args.strategy == .tensor {
                throw refuse("it weighs the error of each input channel, which llm-compressor does not do for one scale per tensor (it falls back to an unweighted search); use memoryless_mse")
            }
            for (key, value) in args.observerKwargs.members {
                if key == "strict", search.weighted {
                    guard let strict = value.boolValue else { throw refuse("observer_kwargs.strict must be true or false") }
                    search.strict = strict
                    continue
                }
                guard let number = value.numberValue else { throw refuse("observer_kwargs.\(key) must be a number") }
                switch key {
                case "maxshrink": search.maxshrink = number
                case "patience": search.patience = number
                case "grid": search.grid = number
                case "norm": search.norm = number
                case "expand": search.expand = number
                default: break  // averaging_constant, triton_error_buffer: no effect on a weight searched once on CPU.
                }
            }
            if search.weighted {
                // IMatrixMSEObserver's checks of the values given.
                guard search.grid > 0, search.grid.isFinite else { throw refuse("observer_kwargs.grid must be > 0") }
                guard search.patience >= 0 else { throw refuse("observer_kwargs.patience must be >= 0") }
                guard (0...1).contains(search.maxshrink) else { throw refuse("observer_kwargs.maxshrink must be in [0, 1]") }
                guard search.norm > 0, search.norm.isFinite else { throw refuse("observer_kwargs.norm must be a finite positive number") }
                guard search.expand.isFinite, search.expand > 0 else { throw refuse("observer_kwargs.expand must be a finite positive number") }
            } else {
                guard search.expand >= 1 else { throw refuse("observer_kwargs.expand must be at least 1.0") }
                guard search.grid != 0, search.grid.isFinite, search.maxshrink.isFinite else {
                    throw refuse("observer_kwargs.grid must be a non-zero finite number and maxshrink finite")
                }
            }
            self = .mse(search)
        default:
            throw refuse("this port does not run it")
        }
    }
}
