/// Where in a decoder block a Linear layer reads its input.
public enum LinearInput: Sendable, CaseIterable {
    /// The normed hidden state entering the query, key and value projections.
    case attentionInput
    /// The attention output entering the output projection.
    case attentionOutput
    /// The normed hidden state entering the gate and up projections.
    case feedForwardInput
    /// The gated activation entering the down projection.
    case feedForwardInner
    /// Latent attention's normed query latent (`q_a_layernorm`'s output) entering `q_b_proj`.
    case latentQuery
    /// Latent attention's normed key-value latent (`kv_a_layernorm`'s output) entering `kv_b_proj`.
    case latentKeyValue
}

extension DecoderLayout {
    /// The index of the block that holds `module` (`model.layers.N` or below it), or nil.
    public func block(of module: String) -> Int? {
        let prefix = blocks + "."
        guard module.hasPrefix(prefix) else { return nil }
        return Int(module.dropFirst(prefix.count).prefix { $0 != "." })
    }

    /// The name prefix of every tensor of block `index` (`model.layers.3.`).
    public func prefix(ofBlock index: Int) -> String { "\(blocks).\(index)." }

    /// What the dense projection `module` (`model.layers.3.self_attn.q_proj`) reads, or nil for
    /// modules that are no projection of a block's attention or dense MLP.
    public func input(ofLinear module: String) -> LinearInput? {
        guard let last = module.split(separator: ".").last.map(String.init) else { return nil }
        if attention.inputs.names.contains(last) { return .attentionInput }
        if let latent = attention.latent {
            if last == latent.query { return .attentionInput }
            if last == latent.queryUp { return .latentQuery }
            if last == latent.keyValueUp { return .latentKeyValue }
        }
        if last == attention.output { return .attentionOutput }
        guard let mlp else { return nil }
        if mlp.inputs.names.contains(last) { return .feedForwardInput }
        if last == mlp.output { return .feedForwardInner }
        return nil
    }

    /// The name in a block of the norm whose output `input` is, or nil when no norm feeds it.
    public func norm(feeding input: LinearInput) -> String? {
        switch input {
        case .attentionInput: return norms.input
        case .feedForwardInput: return norms.beforeFeedForward
        case .attentionOutput, .feedForwardInner, .latentQuery, .latentKeyValue: return nil
        }
    }

    /// The module-name suffixes of the routers (`block_sparse_moe.gate`).
    var routerSuffixes: [String] {
        mixture.map { ["\($0.module).\($0.router)"] } ?? []
    }

    /// Child names that form one fused group under a common parent: the attention's separate
    /// query, key and value, and each gated MLP's separate gate and up.
    var fusedGroups: [[String]] {
        let feedForwards = [mlp, mixture?.expert, mixture?.sharedExpert?.projections].compactMap { $0 }
        var groups: [[String]] = []
        for group in [attention.inputs.fusedGroup] + feedForwards.map(\.inputs.fusedGroup) {
            if let group, !groups.contains(group) { groups.append(group) }
        }
        return groups
    }

    /// The names of sibling modules, one list per parent, each in the order the model defines
    /// them: the roots (`model`, `lm_head`), the model's children (`embed_tokens`, `layers`,
    /// `norm`), a block's, its attention's, its MLP's, its mixture's and its experts'.
    var siblingOrders: [[String]] {
        var parents: [[Substring]] = []
        var children: [[String]] = []
        for path in [embedding, blocks, finalNorm, head].map({ $0.split(separator: ".") }) {
            for depth in path.indices {
                let parent = Array(path[..<depth])
                if let index = parents.firstIndex(of: parent) {
                    if !children[index].contains(String(path[depth])) { children[index].append(String(path[depth])) }
                } else {
                    parents.append(parent)
                    children.append([String(path[depth])])
                }
            }
        }
        var block = [norms.input, attention.module, norms.afterAttention, norms.beforeFeedForward]
        if let mixture, mixture.module != mlpModule { block.append(mixture.module) }
        if mlp != nil || mixture?.module == mlpModule { block.append(mlpModule) }
        block.append(norms.afterFeedForward)
        let feedForwards = [mlp, mixture?.expert, mixture?.sharedExpert?.projections].compactMap { $0?.definitionOrder }
        return children + [block.compactMap { $0 }, attention.definitionOrder] + [mixture?.definitionOrder].compactMap { $0 } + feedForwards
    }
}
