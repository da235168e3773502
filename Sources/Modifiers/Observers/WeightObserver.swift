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
        if ["minmax", "static_minmax", "memoryless_minmax"].contains(name) {
            self = .minMax
            return
        }
        guard let search = MSESearch.defaults(observer: name) else { throw refuse("this port does not run it") }
        guard searchable else { throw refuse("its grid search is not supported for \(family) weights yet") }
        guard args.scaleDtype == nil || args.strategy == .tensorGroup else {
            throw refuse("its grid search is not supported with scale_dtype \(args.scaleDtype!) yet")
        }
        if search.weighted, args.strategy == .tensor {
            throw refuse("it weighs the error of each input channel, which llm-compressor does not do for one scale per tensor (it falls back to an unweighted search); use memoryless_mse")
        }
        self = .mse(try search.applying(args.observerKwargs, refuse: refuse))
    }
}
