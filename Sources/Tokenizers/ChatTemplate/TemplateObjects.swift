/// The variables of one scope of a rendering (the template's top level, one iteration of a loop,
/// one call of a macro), looked up through the scopes that enclose it.
final class TemplateScope {
    private var variables: [String: TemplateValue]
    let parent: TemplateScope?
    /// How many macro calls deep the scope is.
    let callDepth: Int

    /// A scope inside `parent`; a macro call's scope gives its own `callDepth`.
    init(parent: TemplateScope?, variables: [String: TemplateValue] = [:], callDepth: Int? = nil) {
        self.parent = parent
        self.variables = variables
        self.callDepth = callDepth ?? parent?.callDepth ?? 0
    }

    func lookup(_ name: String) -> TemplateValue? {
        var scope: TemplateScope? = self
        while let current = scope {
            // An empty scope (the template's top level of most templates) is passed without hashing the name.
            if !current.variables.isEmpty, let value = current.variables[name] { return value }
            scope = current.parent
        }
        return nil
    }

    /// Sets `name` in this scope, hiding any variable of that name in the enclosing ones.
    func assign(_ name: String, _ value: TemplateValue) {
        variables[name] = value
    }
}

/// What `namespace(...)` makes: an object whose attributes `{% set ns.name = ... %}` changes from
/// any scope, which is how templates carry values out of loops.
final class TemplateNamespace {
    var attributes: TemplateDictionary

    init(_ attributes: TemplateDictionary) {
        self.attributes = attributes
    }
}

/// The `loop` variable of a `for` body.
final class TemplateLoop {
    let items: [TemplateValue]
    /// The 0-based position of the current iteration.
    var index0 = 0
    /// The arguments of the last `loop.changed(...)` call.
    var lastChanged: [TemplateValue]?

    init(items: [TemplateValue]) {
        self.items = items
    }

    /// `index`, `index0`, `revindex`, `revindex0`, `first`, `last`, `length`, `depth`, `depth0`,
    /// `previtem` and `nextitem` (undefined at the ends); nil for other names.
    func attribute(_ name: String) -> TemplateValue? {
        switch name {
        case "index": return .integer(index0 + 1)
        case "index0": return .integer(index0)
        case "revindex": return .integer(items.count - index0)
        case "revindex0": return .integer(items.count - index0 - 1)
        case "first": return .boolean(index0 == 0)
        case "last": return .boolean(index0 == items.count - 1)
        case "length": return .integer(items.count)
        case "depth": return .integer(1)
        case "depth0": return .integer(0)
        case "previtem": return index0 > 0 ? items[index0 - 1] : .undefined(TemplateUndefined(reason: .message("there is no previous item")))
        case "nextitem": return index0 + 1 < items.count ? items[index0 + 1] : .undefined(TemplateUndefined(reason: .message("there is no next item")))
        default: return nil
        }
    }
}

/// A macro, with the scope it was defined in, whose variables it reads when called.
final class TemplateMacro {
    let definition: TemplateMacroDefinition
    let closure: TemplateScope

    init(_ definition: TemplateMacroDefinition, closure: TemplateScope) {
        self.definition = definition
        self.closure = closure
    }
}

/// A Python iterator (a generator, a `list_reverseiterator`), whose items come out once, so a
/// second loop over it, after a first that went through, gets none; or a dict view (`dict_items`,
/// `dict_keys`, `dict_values`), which can be gone through again and has a length.
final class TemplateIterator {
    let typeName: String
    /// Whether this is a dict view rather than a one-pass iterator.
    let isView: Bool
    let items: [TemplateValue]
    private var position = 0

    init(_ items: [TemplateValue], typeName: String = "generator", isView: Bool = false) {
        self.items = items
        self.typeName = typeName
        self.isView = isView
    }

    /// The next item, used up unless this is a view.
    func next() -> TemplateValue? {
        guard position < items.count else { return nil }
        defer { if !isView { position += 1 } }
        return items[position]
    }

    /// The items not yet used, all used up unless this is a view.
    func remaining() -> [TemplateValue] {
        defer { if !isView { position = items.count } }
        return Array(items[position...])
    }
}

/// A built-in callable: a global function (`range`, `namespace`, `raise_exception`, ...) when
/// `receiver` is nil, else the method `name` of `receiver` (`content.strip`, `loop.cycle`).
struct TemplateFunction {
    var receiver: TemplateValue?
    var name: String
}
