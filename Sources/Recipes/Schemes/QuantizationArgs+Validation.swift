import JSON

/// The fields of a `QuantizationArgs` as written, before compressed-tensors' model validator ran.
/// Field-level normalisation (lowercasing enum strings, `actorder: false` → nil, dtype names
/// → `torch.NAME`) has been applied by whoever filled it in.
struct QuantizationArgsInput {
    var numBits = 8
    /// nil when not written (compressed-tensors' default, `int`).
    var type: QuantizationType?
    var symmetric = true
    var groupSize: Int?
    var strategy: QuantizationStrategy?
    var blockStructure: [Int]?
    var dynamic: DynamicMode = .off
    var actorder: String?
    var scaleDtype: String?
    var zpDtype: String?
    var observer: String?
    var observerKwargs = JSONObject()
}

/// Why validation refused a `QuantizationArgs`/`QuantizationScheme`; `field` names the key the
/// message is about when there is one, so the parser can point at that node.
struct ValidationFailure: Error {
    let message: String
    let field: String?
}

extension QuantizationArgs {
    /// The `num_bits` the validator below accepts, for messages about values it never sees.
    static let numBitsRange = "1 to 32 for int quantization, 4, 6 or 8 for float"

    /// Applies compressed-tensors 0.19's `QuantizationArgs` validators to `input`, producing the
    /// values it would hold: the strategy inferred from `group_size` and `zp_dtype` filled in. An
    /// observer, when given, must be one llm-compressor registers.
    init(validating input: QuantizationArgsInput) throws(ValidationFailure) {
        let type = input.type ?? .int
        if let g = input.groupSize, g < -1 {
            throw ValidationFailure(message: "invalid group_size \(g): use group_size > 0 for strategy 'group' and -1 for 'channel'", field: "group_size")
        }
        switch type {
        case .int where !(1...32).contains(input.numBits):
            throw ValidationFailure(message: "num_bits \(input.numBits) is out of range for int quantization (1 to 32)", field: "num_bits")
        case .float where ![4, 6, 8].contains(input.numBits):
            throw ValidationFailure(message: "num_bits \(input.numBits) is not supported for float quantization (4, 6 or 8)", field: "num_bits")
        default: break
        }
        if let block = input.blockStructure, block.count != 2 || block.contains(where: { $0 <= 0 }) {
            throw ValidationFailure(message: "invalid block_structure \(block): must be two positive integers [rows, cols]", field: "block_structure")
        }

        var strategy: QuantizationStrategy
        if let given = input.strategy {
            strategy = given
        } else if let g = input.groupSize {
            if g > 0 { strategy = .group }
            else if g == -1 { strategy = .channel }
            else { throw ValidationFailure(message: "invalid group_size \(g): use group_size > 0 for strategy 'group' and -1 for 'channel'", field: "group_size") }
        } else {
            strategy = .tensor
        }

        if strategy == .token && !input.dynamic.isTruthy {
            throw ValidationFailure(message: "cannot perform static token quantization; use 'dynamic: true'", field: "strategy")
        }
        if strategy == .group || strategy == .tensorGroup {
            guard let g = input.groupSize, g > 0 else {
                throw ValidationFailure(message: "strategy '\(strategy.rawValue)' requires group_size to be set to a positive value", field: input.strategy == nil ? nil : "strategy")
            }
        }
        if let g = input.groupSize, g > 0, strategy != .group, strategy != .tensorGroup {
            throw ValidationFailure(message: "group_size requires strategy 'group' or 'tensor_group', not '\(strategy.rawValue)'", field: "group_size")
        }
        if strategy == .block && input.blockStructure == nil {
            throw ValidationFailure(message: "strategy 'block' requires block_structure", field: "strategy")
        }
        if strategy != .block && input.blockStructure != nil {
            throw ValidationFailure(message: "block_structure requires strategy 'block'", field: "block_structure")
        }

        if input.dynamic.isTruthy {
            let supported: [QuantizationStrategy] = [.token, .tensor, .tensorGroup, .group]
            if !supported.contains(strategy) {
                throw ValidationFailure(message: "dynamic quantization needs strategy token, tensor, tensor_group or group, not '\(strategy.rawValue)'", field: "dynamic")
            }
            if input.dynamic == .local && strategy != .tensorGroup {
                throw ValidationFailure(message: "dynamic 'local' is only supported for strategy 'tensor_group'", field: "dynamic")
            }
        }
        if let observer = input.observer, !ObserverNames.isKnown(observer) {
            throw ValidationFailure(message: "unknown observer '\(observer)'"
                + (EditDistance.suggestion(for: observer, among: ObserverNames.all).map { "; did you mean '\($0)'?" } ?? "")
                + " (expected one of: \(ObserverNames.all.joined(separator: ", ")))", field: "observer")
        }

        var zpDtype = input.zpDtype
        if zpDtype == nil {
            switch type {
            case .float: zpDtype = "torch.float8_e4m3fn"  // FP8, FP6 and FP4 alike
            case .int: zpDtype = input.numBits <= 8 ? "torch.int8" : input.numBits <= 16 ? "torch.int16" : "torch.int32"
            }
        }

        self.init(numBits: input.numBits, type: type, symmetric: input.symmetric, strategy: strategy,
                  groupSize: input.groupSize, blockStructure: input.blockStructure, dynamic: input.dynamic,
                  observer: input.observer, observerKwargs: input.observerKwargs, actorder: input.actorder,
                  scaleDtype: input.scaleDtype, zpDtype: zpDtype)
        if input.type == nil { enumMembers.insert(.type) }
        if input.strategy == nil { enumMembers.insert(.strategy) }
    }
}
