import Architectures
import Checkpoint
import CompressedTensors
import Modifiers
import Recipes

/// A module whose weight the checkpoint stores quantized.
struct QuantizedModule {
    let name: String
    let group: Int
    /// `[rows, columns]` of the weight it holds.
    let shape: [Int]
    /// Whether its tensors are all as the config says, so that dequantizing it means something.
    let intact: Bool
    /// Its tensors in the checkpoint.
    let tensors: [Checkpoint.Tensor]
}

/// Checks every module of a checkpoint against its quantization_config, with the rules that plan
/// `oneshot`: the config group a module belongs to (`ConfigGroupAssignment` over the module kinds
/// its `Architecture` gives), the tensors that group's format writes for its weight
/// (`CompressedWeightLayout`), plus the activation and KV-cache parameters calibration adds
/// (`ActivationLayout`, `KeyValueCacheLayout`)
/// (compressed-tensors 0.19 has no `actorder: group`, so no `weight_g_idx` either).
/// Every expected tensor must be there with its dtype and shape, nothing else may be, scales
/// must be positive and finite, and modules no group quantizes keep float tensors only.
struct StructureCheck {
    let checkpoint: Checkpoint
    let setup: QuantizationSetup
    /// The original model, whose weight dtypes then fix the dtype of scales.
    let original: Checkpoint?

    private(set) var problems: [VerificationReport.Problem] = []
    private(set) var quantized: [QuantizedModule] = []
    /// Tensors written by quantization (compressed weights, scales, zero points, ...) rather than
    /// copied from the original.
    private(set) var written = Set<String>()
    /// How many modules each config group quantizes.
    private(set) var modulesPerGroup: [Int]

    let architecture: Architecture
    /// The float dtype of the model's weights, when config.json or the unquantized tensors tell it.
    private let modelDType: DType?

    /// A module's tensors in checkpoint order, by parameter name.
    private typealias Parameters = [(parameter: String, tensor: Checkpoint.Tensor)]

    /// Parameters that come with a quantized weight (`weight` or `weight_packed`) only.
    static let weightParameters = quantizationParameters.filter { $0.hasPrefix("weight_") && $0 != "weight_packed" }

    /// Parameter names that only quantization writes.
    static let quantizationParameters: Set<String> = {
        var names: Set<String> = ["weight_packed", "weight_shape", "weight_g_idx"]
        for base in ["weight", "input", "output", "q", "k", "v"] {
            for suffix in ["scale", "zero_point", "global_scale"] { names.insert("\(base)_\(suffix)") }
        }
        return names
    }()

    init(checkpoint: Checkpoint, setup: QuantizationSetup, original: Checkpoint?) {
        self.checkpoint = checkpoint
        self.setup = setup
        self.original = original
        modulesPerGroup = Array(repeating: 0, count: setup.config.configGroups.count)
        architecture = ArchitectureRegistry.architecture(modelType: checkpoint.config?.modelType)
        modelDType = Self.modelDType(checkpoint)
    }

    /// Checks every module.
    mutating func run() {
        var modules: [String] = []
        var parameters: [String: Parameters] = [:]
        for tensor in checkpoint.tensors {
            let (module, parameter) = QuantizationPlan.split(tensor.name)
            if parameters[module] == nil { modules.append(module) }
            parameters[module, default: []].append((parameter, tensor))
        }
        var attention = Set<String>()
        if setup.config.kvCacheScheme != nil {
            do {
                attention = try KeyValueCacheLayout.attentionModules(modules, ignore: setup.config.ignore)
            } catch {
                let reason = if case let .pattern(rule) = error { rule.message } else { error.message }
                problems.append(.init(tensor: ModelConfig.fileName, message: "quantization_config: \(reason); its KV cache scales are not checked"))
            }
        }
        // An attention module holds no tensor of its own when its KV cache scales are missing.
        for module in modules + attention.subtracting(modules).sorted() {
            var remaining = parameters[module] ?? []
            if let scheme = setup.config.kvCacheScheme, attention.contains(module) {
                let expected = KeyValueCacheLayout.tensors(module: module, scheme: scheme, config: checkpoint.config,
                                                          floatDType: weightDType(module + ".k_proj"))
                _ = compare(expected, &remaining, context: "kv_cache_scheme")
                written.formUnion(expected.map(\.name))
                if let group = attentionGroup(of: module), let states = setup.config.configGroups[group].scheme.inputActivations {
                    modulesPerGroup[group] += 1
                    let query = KeyValueCacheLayout.queryTensors(module: module, scheme: states, config: checkpoint.config,
                                                                 floatDType: weightDType(module + ".k_proj"))
                    _ = compare(query, &remaining, context: "config group '\(setup.config.configGroups[group].name)' (attention quantization)")
                    written.formUnion(query.map(\.name))
                }
            }
            check(module, remaining)
        }
        if original == nil { reportMissingModules(modules) }
    }

    /// The config group that quantizes attention module `module`'s query, key and value states
    /// (attention quantization: a group of input activations only with a target that matches the
    /// module narrowly, `ConfigGroupAssignment.attentionGroup`), if any; its k/v scales follow
    /// `kv_cache_scheme`, which compressed-tensors sets to the same arguments.
    private func attentionGroup(of module: String) -> Int? {
        guard let match = try? setup.assignment.attentionGroup(
            ofModule: module, children: architecture.submodules(of: module, tensors: checkpoint.tensors.map { ($0.name, $0.info.shape) }),
            config: checkpoint.config) else { return nil }
        let scheme = setup.config.configGroups[match.group].scheme
        return scheme.weights == nil && scheme.outputActivations == nil && scheme.inputActivations != nil ? match.group : nil
    }

    /// Quantized modules with no tensor at all, told by their siblings (`MissingModules`); with the
    /// original model, its comparison names every missing tensor instead.
    private mutating func reportMissingModules(_ modules: [String]) {
        let groups = Dictionary(quantized.map { ($0.name, setup.config.configGroups[$0.group].name) }, uniquingKeysWith: { first, _ in first })
        for missing in MissingModules.find(modules: modules, quantizedGroups: groups) {
            problems.append(.init(tensor: missing.module, message: "missing: the module holds no tensor, while its sibling '\(missing.sibling)' is quantized by config group '\(missing.group)'"))
        }
    }

    /// Checks module `module` against the config group that quantizes it, if any.
    private mutating func check(_ module: String, _ parameters: Parameters) {
        guard let main = tensor("weight_packed", parameters) ?? tensor("weight", parameters) else {
            if let orphan = parameters.first(where: { Self.weightParameters.contains($0.parameter) }) {
                problems.append(.init(tensor: module + ".weight", message: "missing: module '\(module)' holds '\(orphan.parameter)' but no 'weight' or 'weight_packed'"))
                return
            }
            return checkUnquantized(module, parameters)
        }
        guard main.info.shape.count == 2 else { return checkUnquantized(module, parameters) }
        let group: Int?
        do {
            group = try setup.assignment.group(ofModule: module, kind: architecture.kind(ofModule: module, parameterShape: main.info.shape))
        } catch {
            let reason = if case let .compressedTensors(.pattern(rule)) = error { rule.message } else { error.description }
            problems.append(.init(tensor: main.name, message: "quantization_config: \(reason)"))
            return checkUnquantized(module, parameters)
        }
        guard let group else { return checkUnquantized(module, parameters) }
        modulesPerGroup[group] += 1
        guard main.info.shape.allSatisfy({ $0 <= TensorInfo.largestDimension }) else {
            // Possible in a valid file when another dimension is 0; no layout arithmetic may overflow on it.
            problems.append(.init(tensor: main.name, message: "shape \(main.info.shape) is not that of a Linear weight"))
            return
        }
        let (name, scheme) = setup.config.configGroups[group]
        let dtype = weightDType(module)
        var remaining = parameters
        switch setup.weights[group] {
        case .unverifiable:
            return
        case .dense:
            let context = "config group '\(name)' (weights not quantized)"
            let activations = ActivationLayout.tensors(module: module, scheme: scheme, rows: main.info.shape[0],
                                                            columns: main.info.shape[1], floatDType: dtype)
            _ = compare([ExpectedTensor(name: module + ".weight", dtype: dtype, shape: main.info.shape)] + activations, &remaining, context: context)
            written.formUnion(activations.map(\.name))
            checkLeftovers(module, remaining, rows: main.info.shape[0], context: context)
        case let .compressed(layout):
            let context = "config group '\(name)' (\(layout.format))"
            if ExpectedTensor.floatDTypes.contains(main.info.dtype) {
                problems.append(.init(tensor: main.name, message: "stored unquantized as \(main.info.dtype.rawValue), but \(context) quantizes module '\(module)'"))
                return
            }
            let shape = weightShape(main: main, parameters: parameters, bits: scheme.weights?.numBits ?? 8)
            let weight = TensorInfo(name: module + ".weight", dtype: dtype ?? ExpectedTensor.placeholder, shape: shape, dataRange: 0..<0)
            var intact = true
            do {
                try layout.validate(weight)
            } catch {
                if case let .unquantizableWeight(_, reason) = error {
                    problems.append(.init(tensor: weight.name, message: "\(context): \(reason)"))
                } else {
                    problems.append(.init(tensor: weight.name, message: "\(context): \(error.description)"))
                }
                intact = false
            }
            let expected = layout.tensors(module: module, weight: weight).map { ExpectedTensor($0, weightDType: dtype) }
                + ActivationLayout.tensors(module: module, scheme: scheme, rows: shape[0], columns: shape[1], floatDType: dtype)
            intact = compare(expected, &remaining, context: context) && intact
            written.formUnion(expected.map(\.name))
            checkLeftovers(module, remaining, rows: shape[0], context: context)
            quantized.append(QuantizedModule(name: module, group: group, shape: shape, intact: intact, tensors: parameters.map(\.tensor)))
        }
    }

    /// Checks that each of `expected` is among `parameters` with its dtype and shape, and that the
    /// scales among them are positive and finite; removes the ones found. Returns whether all were right.
    private mutating func compare(_ expected: [ExpectedTensor], _ parameters: inout Parameters, context: String) -> Bool {
        var intact = true
        for expectation in expected {
            guard let index = parameters.firstIndex(where: { $0.tensor.name == expectation.name }) else {
                if !expectation.optional {
                    problems.append(.init(tensor: expectation.name, message: "missing: \(context) stores \(expectation.summary) here"))
                    intact = false
                }
                continue
            }
            let tensor = parameters.remove(at: index).tensor
            if let mismatch = expectation.mismatch(tensor.info) {
                problems.append(.init(tensor: tensor.name, message: "\(mismatch) (\(context))"))
                intact = false
            } else if tensor.name.hasSuffix("_scale"), let wrong = ScaleValues.problem(tensor, in: checkpoint) {
                problems.append(.init(tensor: tensor.name, message: wrong))
                intact = false
            }
        }
        return intact
    }

    /// Tensors of a quantized module beyond what its group stores: a float bias `[rows]` is fine,
    /// anything else is unexpected.
    private mutating func checkLeftovers(_ module: String, _ parameters: Parameters, rows: Int, context: String) {
        for (parameter, tensor) in parameters {
            if parameter == "bias" {
                if let mismatch = ExpectedTensor(name: tensor.name, dtype: nil, shape: [rows]).mismatch(tensor.info) {
                    problems.append(.init(tensor: tensor.name, message: "\(mismatch) (the bias of module '\(module)')"))
                }
            } else {
                problems.append(.init(tensor: tensor.name, message: "unexpected: \(context) stores no '\(parameter)' for module '\(module)'"))
            }
        }
    }

    /// Tensors of a module no config group quantizes: float values only, no quantization parameter.
    private mutating func checkUnquantized(_ module: String, _ parameters: Parameters) {
        for (parameter, tensor) in parameters {
            if Self.quantizationParameters.contains(parameter) {
                problems.append(.init(tensor: tensor.name, message: "unexpected: no config group quantizes module '\(module)' (it is ignored or not targeted)"))
            } else if !ExpectedTensor.floatDTypes.contains(tensor.info.dtype) {
                problems.append(.init(tensor: tensor.name, message: "dtype \(tensor.info.dtype.rawValue), but no config group quantizes module '\(module)' (it is ignored or not targeted), so it keeps a float dtype"))
            }
        }
    }

    /// `[rows, columns]` of the weight `main` holds compressed: its own shape for `weight`, `bits`-bit
    /// values packed densely for U8 `weight_packed` (FP4, FP6), the `weight_shape` values for I32 `weight_packed`
    /// (or, when those are unusable, as many `bits`-bit values as its words hold).
    private mutating func weightShape(main: Checkpoint.Tensor, parameters: Parameters, bits: Int) -> [Int] {
        let rows = main.info.shape[0], stored = main.info.shape[1]
        guard main.name.hasSuffix(".weight_packed") else { return main.info.shape }
        if main.info.dtype == .u8 { return [rows, stored * 8 / max(bits, 1)] }
        if let shapeTensor = tensor("weight_shape", parameters), let values = checkpoint.integers(shapeTensor) {
            if values.count == 2, values.allSatisfy({ (1...TensorInfo.largestDimension).contains($0) }) { return values }
            problems.append(.init(tensor: shapeTensor.name, message: "holds \(values), not the [rows, columns] of a weight"))
        }
        return [rows, stored * 32 / max(bits, 1)]
    }

    /// The dtype of module `module`'s original weight: the original model's when given, else the model's.
    private func weightDType(_ module: String) -> DType? {
        if let dtype = original?.tensor(named: module + ".weight")?.info.dtype, dtype.isQuantizableFloat { return dtype }
        return modelDType
    }

    /// The model's float dtype: config.json's `dtype` (`torch_dtype`), else the one dtype all
    /// float tensors that are no quantization parameter share, else nil.
    private static func modelDType(_ checkpoint: Checkpoint) -> DType? {
        switch checkpoint.config?.declaredDType {
        case "bfloat16": return .bf16
        case "float16": return .f16
        case "float32": return .f32
        default: break
        }
        let dtypes = Set(checkpoint.tensors.filter {
            !quantizationParameters.contains(QuantizationPlan.split($0.name).parameter) && ExpectedTensor.floatDTypes.contains($0.info.dtype)
        }.map(\.info.dtype))
        return dtypes.count == 1 ? dtypes.first : nil
    }

    private func tensor(_ parameter: String, _ parameters: Parameters) -> Checkpoint.Tensor? {
        parameters.first { $0.parameter == parameter }?.tensor
    }
}
