/// Reads one `AWQModifier` mapping with the fields, types and defaults of llm-compressor 0.14's
/// pydantic model. Values 0.14 accepts but fails on during calibration (an `n_grid` too small for
/// its grid, an unknown `offload_device`) are refused here.
struct AWQModifierParser {
    let keyNode: YAMLNode
    let group: String

    static let ownKeys = ["mappings", "offload_device", "duo_scaling", "n_grid"]
    static let mappingKeys = ["smooth_layer", "balance_layers", "activation_hook_target"]
    /// torch device types an `offload_device` may name, optionally followed by `:INDEX`.
    static let deviceTypes = ["cpu", "cuda", "xpu", "mps", "npu", "hpu", "meta"]

    func parse(_ value: YAMLNode) throws(RecipeError) -> AWQModifierSpec {
        let name = ModifierNames.awq
        if value.isNull { throw value.wrongType(name, "a mapping (use {} for the defaults)") }
        var spec = AWQModifierSpec(base: ModifierBaseFields(requiresCalibrationData: true), offloadDevice: .notWritten,
                                   duoScaling: .on, nGrid: 20, group: group, position: keyNode.position)
        var nGridNode: YAMLNode?
        for (key, keyNode, node) in try stringKeyed(try value.mapping(for: name), context: name) {
            if try spec.base.read(key, keyNode: keyNode, value: node) { continue }
            switch key {
            case "mappings":
                spec.mappings = node.isNull ? nil : try Self.mappings(node)
            case "offload_device":
                spec.offloadDevice = try Self.offloadDevice(node)
            case "duo_scaling":
                if let flag = node.boolValue {
                    spec.duoScaling = flag ? .on : .off
                } else if let text = node.stringValue {
                    guard text == "both" else {
                        throw .invalidValue(node.position, key: key, value: text, allowed: ["true", "false", "both"],
                                            suggestion: EditDistance.suggestion(for: text, among: ["both"]))
                    }
                    spec.duoScaling = .both
                } else {
                    throw node.wrongType(key, "true, false or \"both\"")
                }
            case "n_grid":
                nGridNode = node
                spec.nGrid = try node.int(for: key)
            default:
                throw ModifierKeys.unknown(key, at: keyNode, in: name, known: Self.ownKeys + ModifierBaseFields.keys)
            }
        }
        if let nGridNode {
            // The grid divides by (points - 1): "both" halves n_grid, true adds a point of its own.
            let least: Int
            switch spec.duoScaling {
            case .both: least = 4
            case .on: least = 3
            case .off: least = 2
            }
            guard spec.nGrid >= least else {
                throw .outOfRange(nGridNode.position, key: "n_grid", value: "\(spec.nGrid)",
                                  expected: "must be at least \(least) with this duo_scaling")
            }
        }
        return spec
    }

    /// The tag of a `torch.device` that PyYAML writes (llm-compressor's recipe.yaml of an AWQ
    /// mixture-of-experts run holds `!!python/object/apply:torch.device [cpu]`).
    static let torchDeviceTag = "tag:yaml.org,2002:python/object/apply:torch.device"

    private static func offloadDevice(_ node: YAMLNode) throws(RecipeError) -> AWQModifierSpec.OffloadDevice {
        if node.isNull { return .none }
        if node.tag == torchDeviceTag, let items = node.sequenceItems, items.count == 1, let name = items[0].stringValue {
            try checkDevice(name, items[0])
            return .torchDevice(name)
        }
        let text = try node.string(for: "offload_device")
        try checkDevice(text, node)
        return .device(text)
    }

    /// A torch device type, optionally followed by `:INDEX`.
    private static func checkDevice(_ text: String, _ node: YAMLNode) throws(RecipeError) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let known = deviceTypes.contains(String(parts[0]))
            && (parts.count == 1 || (!parts[1].isEmpty && parts[1].allSatisfy(\.isASCII) && parts[1].allSatisfy(\.isNumber)))
        guard known else {
            throw .invalidValue(node.position, key: "offload_device", value: text, allowed: deviceTypes,
                                suggestion: EditDistance.suggestion(for: String(parts[0]), among: deviceTypes))
        }
    }

    /// `[{smooth_layer, balance_layers, activation_hook_target?}, ...]`.
    private static func mappings(_ node: YAMLNode) throws(RecipeError) -> [AWQMapping] {
        guard let items = node.sequenceItems else { throw node.wrongType("mappings", "a list of {smooth_layer, balance_layers} mappings") }
        var result: [AWQMapping] = []
        for item in items {
            guard let entries = item.mappingEntries else {
                throw RecipeError.wrongType(item.position, key: "mappings", expected: "a list of {smooth_layer, balance_layers} mappings",
                                            found: "a list holding \(item.summary)")
            }
            var smooth: String?, balance: [String]?, hookTarget: String?
            for (key, keyNode, value) in try stringKeyed(entries, context: "AWQ mapping") {
                switch key {
                case "smooth_layer": smooth = try value.pattern(for: key)
                case "balance_layers":
                    balance = try value.patternList(for: key)
                    if balance!.isEmpty { throw value.wrongType(key, "a non-empty list of layers") }
                case "activation_hook_target": hookTarget = try value.optionalString(for: key)
                default:
                    throw RecipeError.unknownKey(keyNode.position, key: key, context: "AWQ mapping",
                                                 suggestion: EditDistance.suggestion(for: key, among: mappingKeys))
                }
            }
            guard let smooth else { throw .missingKey(item.position, key: "smooth_layer", context: "AWQ mapping") }
            guard let balance else { throw .missingKey(item.position, key: "balance_layers", context: "AWQ mapping") }
            result.append(AWQMapping(smoothLayer: smooth, balanceLayers: balance, activationHookTarget: hookTarget))
        }
        return result
    }
}
