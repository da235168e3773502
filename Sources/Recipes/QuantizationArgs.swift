import JSON

/// What the quantized values are: integers or floats (FP8 E4M3, FP4 E2M1).
public enum QuantizationType: String, CaseIterable, Sendable {
    case int
    case float
}

/// Over which elements one scale (and zero point) is shared.
public enum QuantizationStrategy: String, CaseIterable, Sendable {
    /// One scale for the whole tensor.
    case tensor
    /// One scale per output channel (row of a Linear weight).
    case channel
    /// One scale per `groupSize` consecutive input elements of a row.
    case group
    /// A `blockStructure[0] × blockStructure[1]` tile of the weight per scale.
    case block
    /// One scale per token (activations, dynamic only).
    case token
    /// Group scales under one tensor-wide global scale (NVFP4).
    case tensorGroup = "tensor_group"
    /// One scale per attention head (KV cache).
    case attnHead = "attn_head"
}

/// When scales are computed: `dynamic: false` (static, from the weights or calibration data),
/// `dynamic: true` (at inference time), or `dynamic: "local"` (group scales at inference time under
/// a static global scale; NVFP4 activations).
public enum DynamicMode: Equatable, Sendable {
    case off
    case on
    case local

    /// Python's truthiness of the value compressed-tensors holds: `true` and `"local"` are both true.
    public var isTruthy: Bool { self != .off }

    /// The value as config.json writes it: `false`, `true` or `"local"`.
    public var jsonValue: JSONValue {
        switch self {
        case .off: return .bool(false)
        case .on: return .bool(true)
        case .local: return .string("local")
        }
    }
}

/// How one tensor (weights, input or output activations, KV cache) is quantized: the values
/// compressed-tensors 0.19's `QuantizationArgs` holds after its validators ran (strategy inferred,
/// zero-point dtype filled in). The observer of a config group's args is filled in when the
/// group is resolved (`QuantizationScheme.resolvingObservers`).
public struct QuantizationArgs: Equatable, Sendable {
    public var numBits: Int
    public var type: QuantizationType
    public var symmetric: Bool
    public var strategy: QuantizationStrategy
    public var groupSize: Int?
    /// `[rows, columns]` of a block, for `.block`.
    public var blockStructure: [Int]?
    public var dynamic: DynamicMode
    /// Observer name (e.g. "memoryless_minmax", "minmax", "mse"); nil when none was given and, in a
    /// resolved config group, for dynamic quantization.
    public var observer: String?
    public var observerKwargs: JSONObject
    /// Activation ordering for GPTQ as written: "weight" or its alias "static"; nil when none.
    public var actorder: String?
    /// Scale dtype as `torch.NAME` (e.g. "torch.float8_e4m3fn", "torch.uint8"), nil for the model's dtype.
    public var scaleDtype: String?
    /// Zero-point dtype as `torch.NAME`. Always filled in by validation; config.json writes it only
    /// for asymmetric quantization.
    public var zpDtype: String?
    /// The fields compressed-tensors holds as enum members rather than strings, which PyYAML saves
    /// as Python objects: `type` when left to its default, `strategy` when inferred, `actorder`
    /// when GPTQ set its default.
    var enumMembers: EnumMembers = []

    struct EnumMembers: OptionSet, Sendable {
        let rawValue: Int
        static let type = EnumMembers(rawValue: 1)
        static let strategy = EnumMembers(rawValue: 2)
        static let actorder = EnumMembers(rawValue: 4)
    }

    /// The values compared; how a saved recipe writes them (`enumMembers`) is not.
    public static func == (a: QuantizationArgs, b: QuantizationArgs) -> Bool {
        a.numBits == b.numBits && a.type == b.type && a.symmetric == b.symmetric && a.strategy == b.strategy
            && a.groupSize == b.groupSize && a.blockStructure == b.blockStructure && a.dynamic == b.dynamic
            && a.observer == b.observer && a.observerKwargs == b.observerKwargs && a.actorder == b.actorder
            && a.scaleDtype == b.scaleDtype && a.zpDtype == b.zpDtype
    }

    /// Args with exactly these values, not validated (recipes and presets are validated by the
    /// parser; this is for callers that build args themselves).
    public init(numBits: Int, type: QuantizationType, symmetric: Bool = true, strategy: QuantizationStrategy,
                groupSize: Int? = nil, blockStructure: [Int]? = nil, dynamic: DynamicMode = .off,
                observer: String? = nil, observerKwargs: JSONObject = JSONObject(), actorder: String? = nil,
                scaleDtype: String? = nil, zpDtype: String? = nil) {
        self.numBits = numBits
        self.type = type
        self.symmetric = symmetric
        self.strategy = strategy
        self.groupSize = groupSize
        self.blockStructure = blockStructure
        self.dynamic = dynamic
        self.observer = observer
        self.observerKwargs = observerKwargs
        self.actorder = actorder
        self.scaleDtype = scaleDtype
        self.zpDtype = zpDtype
    }

    /// `actorder` with its alias resolved: "weight" or nil.
    public var canonicalActorder: String? { Self.canonicalActorder(actorder) }

    /// An activation ordering with its alias resolved ("static" is "weight").
    public static func canonicalActorder(_ actorder: String?) -> String? { actorder == "static" ? "weight" : actorder }
}
