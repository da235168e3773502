/// compressed-tensors 0.19's preset schemes (`PRESET_SCHEMES`) and the MX ones 0.20 adds
/// (MXFP4XFP8, MXFP6A16, MXFP6A8), each with the values its validators produce. Names are matched case-insensitively, as `preset_name_to_scheme` does.
public enum SchemePresets {
    /// Every preset name, in compressed-tensors' order.
    public static let names: [String] = [
        "UNQUANTIZED", "W4A16_ASYM", "W8A8", "INT8", "W4AFP8",
        "FP8", "FP8_DYNAMIC", "FP8_BLOCK", "NVFP4A16", "NVFP4", "MXFP4A16", "MXFP4", "MXFP4XFP8",
        "MXFP6A16", "MXFP6A8", "MXFP8A16", "MXFP8",
        "W2A4", "W2A8", "W2A16", "W3A4", "W3A8", "W3A16", "W4A4", "W4A8", "W4A16",
        "W5A8", "W5A16", "W6A8", "W6A16", "W7A8", "W7A16", "W8A16",
    ]

    /// Whether `name` (any case) is a preset.
    public static func isPreset(_ name: String) -> Bool { names.contains(name.uppercased()) }

    /// The preset `named` (any case) applied to `targets`, with the observers llm-compressor fills
    /// in when it resolves a scheme; nil when there is no such preset.
    public static func scheme(named name: String, targets: [String]) -> QuantizationScheme? {
        guard let (weights, input) = args(named: name.uppercased()) else { return nil }
        return QuantizationScheme(targets: targets, weights: weights, inputActivations: input).resolvingObservers()
    }

    /// Weights and input activations of a preset (upper-case name).
    private static func args(named name: String) -> (QuantizationArgs?, QuantizationArgs?)? {
        switch name {
        case "UNQUANTIZED":
            return (nil, nil)
        case "W8A8", "INT8":
            return (make(numBits: 8, type: .int, strategy: .channel),
                    make(numBits: 8, type: .int, strategy: .token, dynamic: .on))
        case "W4A16_ASYM":
            return (make(numBits: 4, type: .int, symmetric: false, strategy: .group, groupSize: 128), nil)
        case "W4AFP8":
            return (make(numBits: 4, type: .int, strategy: .group, groupSize: 128),
                    make(numBits: 8, type: .float, strategy: .token, dynamic: .on))
        case "FP8":
            return (make(numBits: 8, type: .float, strategy: .tensor),
                    make(numBits: 8, type: .float, strategy: .tensor, observer: "static_minmax"))
        case "FP8_DYNAMIC":
            return (make(numBits: 8, type: .float, strategy: .channel),
                    make(numBits: 8, type: .float, strategy: .token, dynamic: .on))
        case "FP8_BLOCK":
            return (make(numBits: 8, type: .float, strategy: .block, blockStructure: [128, 128]),
                    make(numBits: 8, type: .float, strategy: .group, groupSize: 128, dynamic: .on))
        case "NVFP4A16":
            return (nvfp4(dynamic: .off, observer: nil), nil)
        case "NVFP4":
            return (nvfp4(dynamic: .off, observer: nil), nvfp4(dynamic: .local, observer: "static_minmax"))
        case "MXFP4A16":
            return (mx(bits: 4, dynamic: .off), nil)
        case "MXFP4":
            return (mx(bits: 4, dynamic: .off), mx(bits: 4, dynamic: .on))
        case "MXFP4XFP8":
            return (mx(bits: 4, dynamic: .off), make(numBits: 8, type: .float, strategy: .group, groupSize: 128, dynamic: .on))
        case "MXFP6A16":
            return (mx(bits: 6, dynamic: .off), nil)
        case "MXFP6A8":
            return (mx(bits: 6, dynamic: .off), mx(bits: 8, dynamic: .on))
        case "MXFP8A16":
            return (mx(bits: 8, dynamic: .off), nil)
        case "MXFP8":
            return (mx(bits: 8, dynamic: .off), mx(bits: 8, dynamic: .on))
        default:
            return integerWxAy(name)
        }
    }

    /// The generic integer `W{w}A{a}` presets: w-bit symmetric group-128 weights, and a-bit dynamic
    /// per-token integer activations when a < 16.
    private static func integerWxAy(_ name: String) -> (QuantizationArgs?, QuantizationArgs?)? {
        let table: [String: (Int, Int)] = [
            "W2A4": (2, 4), "W2A8": (2, 8), "W2A16": (2, 16), "W3A4": (3, 4), "W3A8": (3, 8), "W3A16": (3, 16),
            "W4A4": (4, 4), "W4A8": (4, 8), "W4A16": (4, 16), "W5A8": (5, 8), "W5A16": (5, 16),
            "W6A8": (6, 8), "W6A16": (6, 16), "W7A8": (7, 8), "W7A16": (7, 16), "W8A16": (8, 16),
        ]
        guard let (w, a) = table[name] else { return nil }
        let weights = make(numBits: w, type: .int, strategy: .group, groupSize: 128)
        let input = a < 16 ? make(numBits: a, type: .int, strategy: .token, dynamic: .on) : nil
        return (weights, input)
    }

    private static func nvfp4(dynamic: DynamicMode, observer: String?) -> QuantizationArgs {
        make(numBits: 4, type: .float, strategy: .tensorGroup, groupSize: 16, dynamic: dynamic, observer: observer,
             scaleDtype: "torch.float8_e4m3fn", zpDtype: "torch.float8_e4m3fn")
    }

    private static func mx(bits: Int, dynamic: DynamicMode) -> QuantizationArgs {
        make(numBits: bits, type: .float, strategy: .group, groupSize: 32, dynamic: dynamic,
             scaleDtype: "torch.uint8", zpDtype: "torch.uint8")
    }

    private static func make(numBits: Int, type: QuantizationType, symmetric: Bool = true,
                             strategy: QuantizationStrategy, groupSize: Int? = nil, blockStructure: [Int]? = nil,
                             dynamic: DynamicMode = .off, observer: String? = nil,
                             scaleDtype: String? = nil, zpDtype: String? = nil) -> QuantizationArgs {
        var input = QuantizationArgsInput()
        input.numBits = numBits
        input.type = type
        input.symmetric = symmetric
        input.strategy = strategy
        input.groupSize = groupSize
        input.blockStructure = blockStructure
        input.dynamic = dynamic
        input.observer = observer
        input.scaleDtype = scaleDtype
        input.zpDtype = zpDtype
        do {
            return try QuantizationArgs(validating: input)
        } catch {
            // The table above is fixed data; the preset tests validate every entry.
            preconditionFailure("invalid preset arguments: \(error.message)")
        }
    }
}
