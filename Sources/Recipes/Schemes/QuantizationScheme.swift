import JSON

/// What a group of modules gets: compressed-tensors' `QuantizationScheme`, one config group.
public struct QuantizationScheme: Equatable, Sendable {
    /// Module names, class names or `re:` patterns this scheme applies to.
    public var targets: [String]
    public var weights: QuantizationArgs?
    public var inputActivations: QuantizationArgs?
    public var outputActivations: QuantizationArgs?
    /// Compression format forced for these modules (a `CompressionFormat` value such as
    /// "float-quantized", "pack-quantized"); nil lets the writer infer it.
    public var format: String?

    public init(targets: [String], weights: QuantizationArgs? = nil, inputActivations: QuantizationArgs? = nil,
                outputActivations: QuantizationArgs? = nil, format: String? = nil) {
        self.targets = targets
        self.weights = weights
        self.inputActivations = inputActivations
        self.outputActivations = outputActivations
        self.format = format
    }

    /// Whether applying the scheme needs calibration data, by llm-compressor 0.14's rule: static
    /// (or "local") input activations, static output activations, or an imatrix weight observer
    /// (``hasImatrixObserver``). Data-free schemes (weights only, dynamic activations) can be
    /// applied tensor by tensor.
    public var requiresCalibration: Bool {
        if hasImatrixObserver { return true }
        if let input = inputActivations, input.dynamic == .off || input.dynamic == .local { return true }
        if let output = outputActivations, output.dynamic == .off { return true }
        return false
    }

    /// Whether the weights' observer is `imatrix_mse` or `nvfp4_expanded_imatrix`, spelled so
    /// (llm-compressor compares the names as written), which weigh their search by the layer's inputs.
    public var hasImatrixObserver: Bool {
        ["imatrix_mse", "nvfp4_expanded_imatrix"].contains(weights?.observer ?? "")
    }

    /// The config group as config.json holds it, keys sorted: `format` (the one given here, else
    /// `inferredFormat`), `input_activations`, `output_activations`, `targets`, `weights`.
    public func configJSON(inferredFormat: String? = nil) -> JSONValue {
        .object(JSONObject([
            ("format", (format ?? inferredFormat).map(JSONValue.string) ?? .null),
            ("input_activations", inputActivations?.configJSON ?? .null),
            ("output_activations", outputActivations?.configJSON ?? .null),
            ("targets", .array(targets.map(JSONValue.string))),
            ("weights", weights?.configJSON ?? .null),
        ]))
    }

    /// compressed-tensors' `CompressionFormat` values.
    public static let compressionFormats = [
        "dense", "sparse-bitmask", "sparse-24-bitmask", "int-quantized", "float-quantized",
        "naive-quantized", "pack-quantized", "marlin-24", "mixed-precision", "nvfp4-pack-quantized",
        "mxfp4-pack-quantized", "mxfp6-pack-quantized", "mxfp8-quantized",
    ]

    /// Applies compressed-tensors' `QuantizationScheme` validator.
    func validate() throws(ValidationFailure) {
        if let input = inputActivations {
            let allowed: [QuantizationStrategy] = [.token, .tensor, .group, .tensorGroup, .attnHead]
            if !allowed.contains(input.strategy) {
                throw ValidationFailure(message: "strategy '\(input.strategy.rawValue)' is not supported for activation quantization", field: "input_activations")
            }
            if input.actorder != nil {
                throw ValidationFailure(message: "cannot apply actorder to input activations", field: "input_activations")
            }
        }
        if outputActivations?.actorder != nil {
            throw ValidationFailure(message: "cannot apply actorder to output activations", field: "output_activations")
        }
        if format == "mixed-precision" {
            throw ValidationFailure(message: "mixed-precision cannot be set as a format for a QuantizationScheme", field: "format")
        }
    }
}
