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
