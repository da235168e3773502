import Recipes

extension ModuleMatcher {
    /// Whether the module of `entry` is targeted and not ignored.
    /// - Throws: `pattern` when a pattern runs out of its matching step budget.
    func matches(_ entry: QuantizationPlan.Entry) throws(ModifierError) -> Bool {
        do { return try matches(moduleName: entry.module, className: entry.kind.className) } catch { throw .pattern(error) }
    }

    /// Whether the module of `entry` matches an ignore entry.
    /// - Throws: `pattern` when a pattern runs out of its matching step budget.
    func isIgnored(_ entry: QuantizationPlan.Entry) throws(ModifierError) -> Bool {
        do { return try isIgnored(moduleName: entry.module, className: entry.kind.className) } catch { throw .pattern(error) }
    }
}
