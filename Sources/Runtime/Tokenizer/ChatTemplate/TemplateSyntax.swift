/// A literal of a template's source.
enum TemplateConstant: Sendable {
    case none
    case boolean(Bool)
    case integer(Int)
    case float(Double)
    case string(String)
}

/// The arguments of a call, a filter or a test, as written.
struct TemplateArguments: Sendable {
    var positional: [TemplateExpression] = []
    var keyword: [(name: String, value: TemplateExpression)] = []

    static let none = TemplateArguments()
}

/// `+`, `-`, `*`, `/`, `//`, `%`, `**`.
enum TemplateArithmetic: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", floorDivide = "//", modulo = "%", power = "**"
}

/// The operators of a comparison chain.
enum TemplateComparison: String, Sendable {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case `in` = "in", notIn = "not in"
}

/// An expression of jinja2's grammar.
indirect enum TemplateExpression: Sendable {
    case constant(TemplateConstant)
    case name(String)
    case list([TemplateExpression])
    case tuple([TemplateExpression])
    case dictionary([(key: TemplateExpression, value: TemplateExpression)])
    /// `object.name`: an attribute first, else an item.
    case attribute(TemplateExpression, String)
    /// `object[key]`: an item first, else an attribute.
    case item(TemplateExpression, TemplateExpression)
    case slice(TemplateExpression, start: TemplateExpression?, stop: TemplateExpression?, step: TemplateExpression?)
    case call(TemplateExpression, TemplateArguments)
    case filter(TemplateExpression, name: String, TemplateArguments)
    case test(TemplateExpression, name: String, TemplateArguments)
    case not(TemplateExpression)
    case negative(TemplateExpression)
    case positive(TemplateExpression)
    case arithmetic(TemplateArithmetic, TemplateExpression, TemplateExpression)
    /// `a ~ b ~ c`: the texts joined.
    case concatenation([TemplateExpression])
    case and(TemplateExpression, TemplateExpression)
    case or(TemplateExpression, TemplateExpression)
    /// `a < b <= c`: Python's chained comparison.
    case comparison(TemplateExpression, [(TemplateComparison, TemplateExpression)])
    /// `value if test else otherwise`; without `else`, an undefined value when the test fails.
    case conditional(value: TemplateExpression, test: TemplateExpression, otherwise: TemplateExpression?)
}

/// What a `set` or a `for` assigns to.
indirect enum TemplateTarget: Sendable {
    case name(String)
    /// `a, b` or `(a, b)`: unpacks a sequence.
    case tuple([TemplateTarget])
    /// `ns.attribute`: an attribute of a `namespace()`.
    case namespaceAttribute(String, String)
}

/// A `{% macro %}` (or a `{% call %}` block's anonymous `caller`).
struct TemplateMacroDefinition: Sendable {
    var name: String
    var parameters: [(name: String, defaultValue: TemplateExpression?)]
    var body: [TemplateNode]
    /// Whether the body names `varargs`, `kwargs` or `caller`, which then take extra positional
    /// arguments, extra keyword arguments and a call block's body.
    var takesVarargs: Bool
    var takesKeywordArguments: Bool
    var takesCaller: Bool
}

/// A statement of a template.
indirect enum TemplateStatement: Sendable {
    case text(String)
    /// `{{ expression }}`.
    case output(TemplateExpression)
    /// `if` / `elif` branches, then `else`.
    case conditional([(test: TemplateExpression, body: [TemplateNode])], otherwise: [TemplateNode])
    case loop(target: TemplateTarget, iterable: TemplateExpression, filter: TemplateExpression?, body: [TemplateNode], otherwise: [TemplateNode])
    case assignment(TemplateTarget, TemplateExpression)
    /// `{% set name %}…{% endset %}`, the rendered body through the filters.
    case blockAssignment(TemplateTarget, filters: [(name: String, arguments: TemplateArguments)], body: [TemplateNode])
    case macro(TemplateMacroDefinition)
    /// `{% call(parameters) macro(...) %}body{% endcall %}`.
    case callBlock(TemplateExpression, caller: TemplateMacroDefinition)
    /// `{% filter name %}…{% endfilter %}`.
    case filterBlock(filters: [(name: String, arguments: TemplateArguments)], body: [TemplateNode])
    /// `{% with a = 1 %}…{% endwith %}`, or the body of transformers' `{% generation %}` tag:
    /// a body with its own scope.
    case scope(assignments: [(TemplateTarget, TemplateExpression)], body: [TemplateNode])
    case breakLoop
    case continueLoop
}

/// A statement and the template line where it starts, which errors name.
struct TemplateNode: Sendable {
    var statement: TemplateStatement
    var line: Int
}
