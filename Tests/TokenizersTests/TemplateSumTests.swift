import Foundation
import Testing
import TestSupport
@testable import Tokenizers

/// Chains of `+` (`'<|im_start|>' + message['role'] + '\n' + ...`), whose plain strings the
/// renderer appends to one growing string, give what adding the operands one by one with
/// `TemplateOperators.apply` gives, results and errors alike, on random chains of strings, markup,
/// numbers, lists, `None` and undefined names; `{{ }}` of a chain writes what `str()` of its value is.
@Suite struct TemplateSumTests {
    static let variables: [String: TemplateValue] = [
        "s0": .string(""), "s1": .string("<|im_start|>"), "s2": .string("user\n"), "s3": .string("naïve 😀 <b>"),
        "m": .markup("<i>"), "i": .integer(3), "f": .float(0.5), "b": .boolean(true), "l": .list([.integer(1)]),
        "t": .tuple([.string("x")]), "n": .none,
    ]
    /// Mostly strings, so that long runs of them meet the other kinds here and there.
    static let names = ["s0", "s1", "s2", "s3", "s1", "s2", "s3", "s2", "m", "i", "f", "b", "l", "t", "n", "missing"]

    /// The value and the error text of a result, to compare results of either path.
    static func outcome(_ body: () throws(TemplateFault) -> TemplateValue) -> String {
        do {
            let value = try body()
            return value.typeName + " " + ((try? value.representation()) ?? "?")
        } catch {
            return "error \(error.kind) \(error.message)"
        }
    }

    /// What `{{ chain }}` writes: `str()` of the chain's value.
    func textOf(_ chain: TemplateExpression, _ renderer: TemplateRenderer, _ scope: TemplateScope) -> String {
        (try? renderer.evaluate(chain, in: scope).text()) ?? "?"
    }

    @Test func chainsOfAdditionsAddAsTheGenericOperatorAddsThem() {
        var random = SeededRandom(seed: 18)
        let renderer = TemplateRenderer(clock: TemplateClock(date: Date(timeIntervalSince1970: 0), timeZone: TimeZone(identifier: "UTC")!))
        let scope = TemplateScope(parent: nil, variables: Self.variables)
        var stringResults = 0
        for _ in 0..<3000 {
            let operands = (0..<Int.random(in: 2...7, using: &random)).map { _ in Self.names.randomElement(using: &random)! }
            let chain = operands.dropFirst().reduce(TemplateExpression.name(operands[0])) { .arithmetic(.add, $0, .name($1)) }
            let fast = Self.outcome { () throws(TemplateFault) in try renderer.evaluate(chain, in: scope) }
            let generic = Self.outcome { () throws(TemplateFault) in
                let values = operands.map { Self.variables[$0] ?? .undefined(TemplateUndefined(reason: .name($0))) }
                var sum = values[0]
                for value in values.dropFirst() { sum = try TemplateOperators.apply(.add, sum, value) }
                return sum
            }
            #expect(fast == generic, "\(operands.joined(separator: " + "))")
            if fast.hasPrefix("str ") { stringResults += 1 }
            // `{{ chain }}` writes the strings of an all-string chain one by one, after what is already written.
            var written = "before "
            let outcome: String
            do {
                _ = try renderer.execute([TemplateNode(statement: .output(chain), line: 1)], in: scope, into: &written)
                outcome = written
            } catch {
                outcome = "error \(error.kind) \(error.message)"
            }
            let expected = Self.outcome { () throws(TemplateFault) in try renderer.evaluate(chain, in: scope) }
            #expect(outcome == (expected.hasPrefix("error ") ? expected : "before " + textOf(chain, renderer, scope)), "\(operands.joined(separator: " + "))")
        }
        // The fast path ran: many chains are strings from end to end.
        #expect(stringResults > 100)
    }
}
