import Architectures
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

    /// Whether the module of `entry` is targeted and not ignored, by its checkpoint name or by the
    /// name transformers 5 gives it (``DecoderLayout/transformersName(of:)``, `layout`'s): how the
    /// mapping patterns of SmoothQuant and AWQ, written against transformers' names as
    /// llm-compressor's are, reach the layers of a family whose checkpoint names them otherwise.
    /// - Throws: `pattern` when a pattern runs out of its matching step budget.
    func matches(_ entry: QuantizationPlan.Entry, in layout: DecoderLayout) throws(ModifierError) -> Bool {
        if try matches(entry) { return true }
        guard let name = layout.transformersName(of: entry.module) else { return false }
        do { return try matches(moduleName: name, className: entry.kind.className) } catch { throw .pattern(error) }
    }
}
