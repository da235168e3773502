/// Orders module names as `model.named_modules()` lists them, which is the order llm-compressor
/// writes the `ignore` list in: numbers numerically, the submodules the families define in their
/// definition order (attention before MLP, q/k/v/o, router before experts), the decoder before
/// `lm_head`, and anything else alphabetically after them. `compress verify` lists layers in
/// this order.
public enum ModuleOrder {
    /// The families' sibling orders merged into one: each name not yet ranked goes right after
    /// the sibling its family defines before it. The roots `model` (Llama-style) and
    /// `transformer` (GPT-2-style) come before `lm_head`.
    static let rank: [String: Int] = {
        var order = ["model", "transformer", "lm_head"]
        for siblings in ArchitectureRegistry.families.flatMap(\.layout.siblingOrders) {
            var previous: String?
            for name in siblings {
                if !order.contains(name) {
                    let index = previous.flatMap { order.firstIndex(of: $0) }.map { $0 + 1 } ?? 0
                    order.insert(name, at: index)
                }
                previous = name
            }
        }
        return Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
    }()

    /// Whether `a` comes before `b`.
    public static func precedes(_ a: String, _ b: String) -> Bool {
        let x = a.split(separator: "."), y = b.split(separator: ".")
        for (p, q) in zip(x, y) where p != q {
            if let i = Int(p), let j = Int(q) { return i < j }
            switch (rank[String(p)], rank[String(q)]) {
            case let (i?, j?): return i < j
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return p < q
            }
        }
        return x.count < y.count
    }
}
