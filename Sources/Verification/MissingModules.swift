/// Quantized modules a checkpoint lacks altogether, found without the original model by
/// comparing each module with its siblings: the same submodule in the other decoder blocks (or
/// experts). A module with no tensor at all leaves nothing to check against the config, so
/// without this a checkpoint missing, say, `model.layers.3.mlp.down_proj` would pass.
///
/// The rule: below a decoder block (the name up to its first number, `model.layers.3`), the
/// instances of a submodule (`model.layers.N.mlp`, `model.layers.N.mlp.experts.M`) are compared
/// by the children they hold (the next name component). An instance holding a strict subset of
/// another's children lacks the others, and each lacking child that the other instance holds
/// quantized is reported missing. Blocks themselves are not compared, since architectures mix
/// kinds of blocks (dense and mixture-of-experts layers, attention replaced by a no-op or a
/// linear layer); submodules of different kinds hold children that are not subsets of each
/// other (a dense MLP's `gate_proj`/`up_proj`/`down_proj` against an MoE's `gate`/`experts`).
/// So a whole missing decoder block, or a submodule missing with all its siblings in its block,
/// is not found: only the original model tells those (`verify --against`).
struct MissingModules {
    /// A parent module's children (the next name component), those holding a quantized module
    /// (with its config group), and where the parent first appears in the checkpoint.
    private struct Children {
        var all = Set<String>()
        var quantized: [String: String] = [:]
        let order: Int
    }

    /// One missing module, with a sibling that has it and the config group quantizing that.
    struct Missing: Equatable {
        let module: String
        let sibling: String
        let group: String
    }

    /// The missing modules among `modules` (every module that holds a tensor, in checkpoint
    /// order), where `quantizedGroups` gives the config group name of each quantized module; in
    /// the order their parents appear.
    static func find(modules: [String], quantizedGroups: [String: String]) -> [Missing] {
        var parents: [String: Children] = [:]
        for (order, module) in modules.enumerated() {
            let components = module.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard let block = components.firstIndex(where: isNumber), block + 2 < components.count else { continue }
            var parent = components[...(block + 1)].joined(separator: ".")
            for child in components[(block + 2)...] {
                parents[parent, default: Children(order: order)].all.insert(child)
                if let group = quantizedGroups[module] { parents[parent, default: Children(order: order)].quantized[child] = group }
                parent += "." + child
            }
        }
        var instancesByTemplate: [String: [(name: String, children: Children)]] = [:]
        // In checkpoint order, so that the sibling named is the first that has the module.
        for (name, children) in parents.sorted(by: { $0.value.order < $1.value.order }) {
            instancesByTemplate[template(name), default: []].append((name, children))
        }
        var missing: [String: (order: Int, module: Missing)] = [:]
        for instances in instancesByTemplate.values {
            // Instances by the set of children they hold: few distinct sets, however many instances.
            var bySet: [Set<String>: [(name: String, children: Children)]] = [:]
            for instance in instances { bySet[instance.children.all, default: []].append(instance) }
            let sets = bySet.sorted { $0.value[0].children.order < $1.value[0].children.order }
            for (held, lacking) in sets {
                for (larger, having) in sets where held.isStrictSubset(of: larger) {
                    let sibling = having[0]
                    for child in larger.subtracting(held) {
                        guard let group = sibling.children.quantized[child] else { continue }
                        for instance in lacking where missing["\(instance.name).\(child)"] == nil {
                            missing["\(instance.name).\(child)"] = (instance.children.order,
                                                                     Missing(module: "\(instance.name).\(child)", sibling: "\(sibling.name).\(child)", group: group))
                        }
                    }
                }
            }
        }
        return missing.values.sorted { ($0.order, $0.module.module) < ($1.order, $1.module.module) }.map(\.module)
    }

    /// `name` with every numeric component replaced by `#`.
    private static func template(_ name: String) -> String {
        name.split(separator: ".", omittingEmptySubsequences: false).map { isNumber(String($0)) ? "#" : String($0) }.joined(separator: ".")
    }

    private static func isNumber(_ component: String) -> Bool {
        !component.isEmpty && component.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}
