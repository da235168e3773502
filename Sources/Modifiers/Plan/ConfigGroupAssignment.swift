import Architectures
import Recipes

/// Which config group quantizes a module, as compressed-tensors decides it: a module matched by
/// `ignore` gets none; otherwise compressed-tensors maps each target to the last group naming it,
/// and gives a module the group of its most specific matching target (exact name, then `re:`
/// pattern, then class name). The same rule plans `oneshot` and checks a compressed checkpoint.
public struct ConfigGroupAssignment: Sendable {
    private let groupOfTarget: [String: Int]
    private let groupNames: [String]
    private let targetMatcher: ModuleMatcher
    private let ignoreMatcher: ModuleMatcher

    /// `source` is where the targets and ignore patterns were written (see `ModuleMatcher`).
    public init(groups: [(name: String, scheme: QuantizationScheme)], ignore: [String], source: SourcePosition) {
        var groupOfTarget: [String: Int] = [:]
        for (i, group) in groups.enumerated() { for target in group.scheme.targets { groupOfTarget[target] = i } }
        self.groupOfTarget = groupOfTarget
        groupNames = groups.map(\.name)
        targetMatcher = ModuleMatcher(targets: groups.flatMap(\.scheme.targets).uniqued(), ignore: [], source: source)
        ignoreMatcher = ModuleMatcher(targets: [], ignore: ignore, source: source)
    }

    /// The index of the group that quantizes `module`, a module of `kind`: nil when it is ignored,
    /// when no target matches it, or when it is an MoE router (never quantized).
    /// - Throws: `notLinear` when a target matches a module that is not a Linear layer; `pattern`
    ///   when a pattern runs out of its matching step budget.
    public func group(ofModule module: String, kind: ModuleKind) throws(ModifierError) -> Int? {
        let target: String?
        do {
            if try ignoreMatcher.isIgnored(moduleName: module, className: kind.className) { return nil }
            target = try targetMatcher.matchingTargets(moduleName: module, classNames: [kind.className]).first
        } catch {
            throw .pattern(error)
        }
        guard let target, let group = groupOfTarget[target] else { return nil }
        switch kind {
        case .linear: return group
        case .router: return nil
        default:
            throw .notLinear(module: module, kind: kind == .other ? "not a known module" : "a \(kind.rawValue) layer", target: target)
        }
    }
}
