extension Architecture {
    /// The kind of the module `module` that owns a parameter of `shape`: a router when the
    /// family declares one there (matched on the name's trailing components, block and expert
    /// numbers aside), an embedding (`embed_tokens`, `wte`, `wpe`, `word_embeddings`,
    /// `embed_positions`), a norm (a last component containing `norm` or starting with `ln`),
    /// else a Linear layer when the parameter is 2-D.
    public func kind(ofModule module: String, parameterShape shape: [Int]) -> ModuleKind {
        let components = module.split(separator: ".").map { $0.allSatisfy(\.isNumber) ? "*" : String($0) }
        let pattern = components.joined(separator: ".")
        if layout.routerSuffixes.contains(where: { pattern == $0 || pattern.hasSuffix("." + $0) }) { return .router }
        guard let last = components.last else { return .other }
        if ["embed_tokens", "wte", "wpe", "word_embeddings", "embed_positions"].contains(last) { return .embedding }
        if last.contains("norm") || last.hasPrefix("ln") { return .norm }
        return shape.count == 2 ? .linear : .other
    }
}

extension Architecture {
    /// The modules inside `module` (`model.layers.0.self_attn.q_proj`, `….q_norm`) that hold some of
    /// `tensors` (full names with their shapes), in the order first seen, each with the class name
    /// recipe targets match (``ModuleKind/className``), its kind told by its `weight` (or
    /// `weight_packed`), else by its first tensor.
    public func submodules(of module: String, tensors: [(name: String, shape: [Int])]) -> [(name: String, className: String)] {
        let prefix = module + "."
        var order: [String] = []
        var kinds: [String: (kind: ModuleKind, fromWeight: Bool)] = [:]
        for (name, shape) in tensors where name.hasPrefix(prefix) {
            guard let dot = name.lastIndex(of: "."), dot >= name.index(name.startIndex, offsetBy: prefix.count) else { continue }
            let child = String(name[..<dot]), parameter = name[name.index(after: dot)...]
            let isWeight = parameter == "weight" || parameter == "weight_packed"
            if let known = kinds[child], known.fromWeight || !isWeight { continue }
            if kinds[child] == nil { order.append(child) }
            kinds[child] = (kind(ofModule: child, parameterShape: shape), isWeight)
        }
        return order.map { ($0, kinds[$0]!.kind.className) }
    }
}
