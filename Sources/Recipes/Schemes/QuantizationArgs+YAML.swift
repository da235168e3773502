/// Reads `QuantizationArgs` (a `weights`, `input_activations`, `output_activations` or
/// `kv_cache_scheme` mapping) the way compressed-tensors' pydantic model does: unknown keys
/// refused, field validators applied, then the model validator.
package enum QuantizationArgsReader {
    static let keys = ["num_bits", "type", "symmetric", "group_size", "strategy", "block_structure",
                       "dynamic", "actorder", "scale_dtype", "zp_dtype", "observer", "observer_kwargs"]

    /// - Parameter context: what the mapping is, for messages (e.g. "weights of config group 'group_0'").
    package static func read(_ node: YAMLNode, context: String) throws(RecipeError) -> QuantizationArgs {
        let entries = try stringKeyed(try node.mapping(for: context), context: context)
        var input = QuantizationArgsInput()
        var keyNodes: [String: YAMLNode] = [:]
        var kwargsNode: YAMLNode?
        for (key, keyNode, value) in entries {
            keyNodes[key] = value
            switch key {
            case "num_bits":
                input.numBits = try value.int(for: key, range: QuantizationArgs.numBitsRange)
            case "type":
                let text = try value.string(for: key)
                guard let type = QuantizationType(rawValue: text.lowercased()) else {
                    throw invalid(value, key, text, QuantizationType.allCases.map(\.rawValue))
                }
                input.type = type
            case "symmetric":
                input.symmetric = try value.bool(for: key)
            case "group_size":
                input.groupSize = try value.optionalInt(for: key)
            case "strategy":
                if let text = try value.optionalString(for: key) {
                    guard let strategy = QuantizationStrategy(rawValue: text.lowercased()) else {
                        throw invalid(value, key, text, QuantizationStrategy.allCases.map(\.rawValue))
                    }
                    input.strategy = strategy
                }
            case "block_structure":
                input.blockStructure = try blockStructure(value)
            case "dynamic":
                if let flag = value.boolValue {
                    input.dynamic = flag ? .on : .off
                } else if let text = value.stringValue {
                    guard text.lowercased() == "local" else { throw invalid(value, key, text, ["true", "false", "local"]) }
                    input.dynamic = .local
                } else {
                    throw value.wrongType(key, "true, false or \"local\"")
                }
            case "actorder":
                input.actorder = try actorder(value)
            case "scale_dtype", "zp_dtype":
                if let text = try value.optionalString(for: key) {
                    guard let dtype = TorchDtypes.normalize(text) else { throw invalid(value, key, text, TorchDtypes.allNames) }
                    if key == "scale_dtype" { input.scaleDtype = dtype } else { input.zpDtype = dtype }
                }
            case "observer":
                input.observer = try value.optionalString(for: key)
            case "observer_kwargs":
                guard case let .object(object) = try value.jsonValue(for: key) else {
                    throw value.wrongType(key, "a mapping")
                }
                input.observerKwargs = object
                kwargsNode = value
            default:
                throw .unknownKey(keyNode.position, key: key, context: context,
                                  suggestion: EditDistance.suggestion(for: key, among: keys))
            }
        }
        if let kwargsNode { try checkObserverKwargs(kwargsNode, observer: input.observer.flatMap(ObserverNames.registered)) }
        do {
            return try QuantizationArgs(validating: input)
        } catch {
            let at = error.field.flatMap { keyNodes[$0] }?.position ?? node.position
            throw .invalidQuantizationArgs(at, message: "\(context): \(error.message)")
        }
    }

    /// Refuses an `observer_kwargs` key that `observer` (any observer when none is named here: a
    /// modifier's `weight_observer` may name it) does not read, with the closest known key, and a
    /// value of the wrong type; `expand` below 1 is refused as llm-compressor's MSE observers do
    /// (its imatrix observers do not check it).
    private static func checkObserverKwargs(_ node: YAMLNode, observer: String?) throws(RecipeError) {
        let known = observer.map(ObserverNames.kwargs(of:)) ?? ObserverNames.anyKwarg
        for (key, keyNode, value) in try stringKeyed(try node.mapping(for: "observer_kwargs"), context: "observer_kwargs") {
            guard known.contains(key) else {
                let context = observer.map { "observer_kwargs of '\($0)'" + (known.isEmpty ? ", which takes none" : "") } ?? "observer_kwargs"
                throw .unknownKey(keyNode.position, key: key, context: context, suggestion: EditDistance.suggestion(for: key, among: known))
            }
            if key == "strict" {
                _ = try value.bool(for: key)
                continue
            }
            let number = try value.number(for: key)
            if key == "expand" && number < 1 && !["imatrix_mse", "nvfp4_expanded_imatrix"].contains(observer ?? "") {
                throw .outOfRange(value.position, key: key, value: "\(number)", expected: "at least 1.0")
            }
        }
    }

    /// The activation orderings compressed-tensors 0.19 still has ("static" is an alias of "weight").
    static let actorders = ["weight", "static"]

    /// compressed-tensors 0.19's `actorder` validator: `false` is none, `true`, "group" and "dynamic"
    /// were removed, and the enum's values are matched case-sensitively.
    private static func actorder(_ value: YAMLNode) throws(RecipeError) -> String? {
        if let flag = value.boolValue {
            guard !flag else {
                throw RecipeError.invalidQuantizationArgs(value.position, message: "actorder: true (which meant 'group') was removed in compressed-tensors 0.19; use 'weight' (or 'static') or null")
            }
            return nil
        }
        guard let text = try value.optionalString(for: "actorder") else { return nil }
        if ["group", "dynamic"].contains(text.lowercased()) {
            throw RecipeError.invalidQuantizationArgs(value.position, message: "actorder '\(text)' was removed in compressed-tensors 0.19; use 'weight' (or 'static') or null")
        }
        guard actorders.contains(text) else { throw invalid(value, "actorder", text, actorders) }
        return text
    }

    /// `[rows, cols]`, or the legacy string form "RxC".
    private static func blockStructure(_ value: YAMLNode) throws(RecipeError) -> [Int]? {
        if value.isNull { return nil }
        if let text = value.stringValue {
            let parts = text.split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
            guard parts.count == 2, let rows = parts[0], let cols = parts[1] else {
                throw RecipeError.invalidQuantizationArgs(value.position, message: "invalid block_structure '\(text)': must be a list of two positive integers [rows, cols]")
            }
            return [rows, cols]
        }
        guard let items = value.sequenceItems else { throw value.wrongType("block_structure", "a list of two positive integers") }
        var result: [Int] = []
        for item in items {
            guard let n = item.intValue else {
                throw RecipeError.wrongType(item.position, key: "block_structure", expected: "a list of two positive integers", found: "a list holding \(item.summary)")
            }
            result.append(n)
        }
        return result
    }

    private static func invalid(_ node: YAMLNode, _ key: String, _ value: String, _ allowed: [String]) -> RecipeError {
        .invalidValue(node.position, key: key, value: value, allowed: allowed,
                      suggestion: EditDistance.suggestion(for: value, among: allowed))
    }
}
