import Recipes

/// Which config group quantizes a module, as compressed-tensors 0.19 decides it
/// (`apply_quantization_config` with `match_targets`): a module matched by `ignore` (by name,
/// `re:` pattern or class) gets none; otherwise each target maps to the last group naming it, and
/// the module gets the group of its most specific matching target: exact module names first,
/// then `re:` patterns (each kind in sorted order), then class names. `oneshot` plans with it,
/// `verify` checks with it and the runtime loads with it, so a module has one group everywhere.
public struct ConfigGroupAssignment: Sendable {
    /// A module's group, with the target that chose it.
    public struct Match: Equatable, Sendable {
        /// The index of the group among the config groups.
        public let group: Int
        public let target: String
    }

    private let groupOfTarget: [String: Int]
    /// Each group's targets, as written.
    let targetsOfGroup: [[String]]
    private let targetMatcher: ModuleMatcher
    private let ignoreMatcher: ModuleMatcher
    /// Where the targets were written.
    let source: SourcePosition

    /// `source` is where the targets and ignore patterns were written (see `ModuleMatcher`).
    public init(groups: [(name: String, scheme: QuantizationScheme)], ignore: [String], source: SourcePosition) {
        var groupOfTarget: [String: Int] = [:]
        var targets: [String] = []
        for (i, group) in groups.enumerated() {
            for target in group.scheme.targets {
                if groupOfTarget.updateValue(i, forKey: target) == nil { targets.append(target) }
            }
        }
        self.groupOfTarget = groupOfTarget
        targetsOfGroup = groups.map(\.scheme.targets)
        self.source = source
        targetMatcher = ModuleMatcher(targets: targets, ignore: [], source: source)
        ignoreMatcher = ModuleMatcher(targets: [], ignore: ignore, source: source)
    }

    /// The assignment of a checkpoint's `config`, read from `file`.
    public init(config: CompressedTensorsConfig, file: String) {
        self.init(groups: config.configGroups, ignore: config.ignore, source: SourcePosition(file: file, line: 0, column: 0))
    }

    /// The group of module `module`, an instance of class `className` (`Linear` for a Linear
    /// layer), and the target that chose it; nil when `ignore` matches the module or no target does.
    /// - Throws: `pattern` when a pattern runs out of its matching step budget.
    public func group(ofModule module: String, className: String) throws(CompressedTensorsError) -> Match? {
        do {
            if try ignoreMatcher.isIgnored(moduleName: module, className: className) { return nil }
            guard let target = try targetMatcher.matchingTargets(moduleName: module, classNames: [className]).first,
                  let group = groupOfTarget[target] else { return nil }
            return Match(group: group, target: target)
        } catch {
            throw .pattern(error)
        }
    }
}
