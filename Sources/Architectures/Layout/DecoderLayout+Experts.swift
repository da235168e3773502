/// Where a Linear layer of a block's mixture of experts reads its input.
public enum MixtureLinearInput: Sendable, Equatable {
    /// The gate or up projection of routed expert `expert`: the normed hidden state of the tokens
    /// routed to it.
    case expertInput(expert: Int)
    /// The down projection of routed expert `expert`: its gated activation.
    case expertInner(expert: Int)
    /// The shared expert's gate or up projection, or its sigmoid gate: every token's normed hidden state.
    case sharedExpertInput
    /// The shared expert's down projection: its gated activation.
    case sharedExpertInner
}

extension DecoderLayout {
    /// What `module` (`model.layers.3.mlp.experts.5.down_proj`) reads when it is a projection of a
    /// routed or shared expert, or the shared expert's gate; nil for every other module, the router
    /// included.
    public func mixtureInput(ofLinear module: String) -> MixtureLinearInput? {
        guard let mixture, block(of: module) != nil else { return nil }
        let parts = module.split(separator: ".").map(String.init)
        let inBlock = Array(parts.dropFirst(blocks.split(separator: ".").count + 1))
        let path = mixture.module.split(separator: ".").map(String.init)
        guard inBlock.count > path.count, Array(inBlock.prefix(path.count)) == path else { return nil }
        let rest = Array(inBlock.dropFirst(path.count))
        let experts = mixture.experts.split(separator: ".").map(String.init)
        if rest.count == experts.count + 2, Array(rest.prefix(experts.count)) == experts,
           let index = Int(rest[experts.count]) {
            let name = rest[experts.count + 1]
            if mixture.expert.inputs.names.contains(name) { return .expertInput(expert: index) }
            if name == mixture.expert.output { return .expertInner(expert: index) }
            return nil
        }
        guard let shared = mixture.sharedExpert else { return nil }
        if rest == [shared.gate] { return .sharedExpertInput }
        guard rest.count == 2, rest[0] == shared.module else { return nil }
        if shared.projections.inputs.names.contains(rest[1]) { return .sharedExpertInput }
        if rest[1] == shared.projections.output { return .sharedExpertInner }
        return nil
    }

    /// The name transformers 5 gives the router or routed-expert projection `module` when its
    /// family renames them (``MixtureLayout/transformersNames``), as llm-compressor's patterns see
    /// it: `model.layers.3.block_sparse_moe.experts.5.w3` is `model.layers.3.mlp.experts.5.up_proj`.
    /// Nil for every other module.
    public func transformersName(of module: String) -> String? {
        guard let mixture, let renamed = mixture.transformersNames, let index = block(of: module) else { return nil }
        let blockPrefix = prefix(ofBlock: index)
        let mixturePrefix = blockPrefix + mixture.module + "."
        if module == mixturePrefix + mixture.router { return blockPrefix + renamed.module + "." + mixture.router }
        guard let input = mixtureInput(ofLinear: module), let name = module.split(separator: ".").last.map(String.init) else { return nil }
        let projection: String
        switch input {
        case .expertInput:
            guard let position = mixture.expert.inputs.names.firstIndex(of: name),
                  renamed.expert.inputs.names.indices.contains(position) else { return nil }
            projection = renamed.expert.inputs.names[position]
        case .expertInner:
            projection = renamed.expert.output
        case .sharedExpertInput, .sharedExpertInner:
            return nil
        }
        let expert = module.dropFirst(mixturePrefix.count).split(separator: ".").dropLast().joined(separator: ".")
        return blockPrefix + renamed.module + "." + expert + "." + projection
    }
}
