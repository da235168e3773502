import Testing
@testable import Recipes

@Suite struct ModuleMatcherTests {
    static let source = SourcePosition(file: "recipe.yaml", line: 3, column: 5)
    let matcher = ModuleMatcher(targets: ["Linear"], ignore: ["lm_head", "re:.*mlp.gate$", "re:vision_tower.*"], source: Self.source)

    @Test func classNames() throws {
        #expect(try matcher.matches(moduleName: "model.layers.0.self_attn.q_proj", className: "Linear"))
        #expect(try !matcher.matches(moduleName: "model.layers.0.input_layernorm", className: "LlamaRMSNorm"))
        // A superclass name matches too.
        #expect(try matcher.matches(moduleName: "model.layers.0.mlp.up_proj", classNames: ["QuantLinear", "Linear", "Module"]))
    }

    @Test func exactNames() throws {
        #expect(try !matcher.matches(moduleName: "lm_head", className: "Linear"))
        #expect(try matcher.isIgnored(moduleName: "lm_head", className: "Linear"))
        // Exact means exact: a longer name is not ignored.
        #expect(try matcher.matches(moduleName: "model.lm_head", className: "Linear"))
        let byName = ModuleMatcher(targets: ["model.layers.0.mlp.down_proj"], ignore: [], source: Self.source)
        #expect(try byName.matches(moduleName: "model.layers.0.mlp.down_proj", className: "Linear"))
        #expect(try !byName.matches(moduleName: "model.layers.10.mlp.down_proj", className: "Linear"))
    }

    @Test func regexAnchoredAtStartOnly() throws {
        let lmHead = ModuleMatcher(targets: ["re:.*lm_head"], ignore: [], source: Self.source)
        #expect(try lmHead.matches(moduleName: "lm_head", className: "Linear"))
        #expect(try lmHead.matches(moduleName: "model.lm_head", className: "Linear"))
        // Not anchored at the end: a prefix match is enough.
        #expect(try lmHead.matches(moduleName: "lm_head_extra", className: "Linear"))
        let mlp = ModuleMatcher(targets: ["re:mlp"], ignore: [], source: Self.source)
        #expect(try !mlp.matches(moduleName: "model.layers.0.mlp.up_proj", className: "Linear"))
        #expect(try mlp.matches(moduleName: "mlp.up_proj", className: "Linear"))
        // `$` anchors the end when written.
        #expect(try matcher.isIgnored(moduleName: "model.layers.3.mlp.gate", className: "Linear"))
        #expect(try !matcher.isIgnored(moduleName: "model.layers.3.mlp.gate_proj", className: "Linear"))
        #expect(try matcher.isIgnored(moduleName: "vision_tower.blocks.0.attn", className: "Linear"))
        #expect(try !matcher.isIgnored(moduleName: "model.vision_tower.blocks.0", className: "Linear"))
    }

    @Test func regexDoesNotMatchClassNames() throws {
        let m = ModuleMatcher(targets: ["re:Lin.*"], ignore: [], source: Self.source)
        #expect(try !m.matches(moduleName: "model.layers.0.mlp.up_proj", className: "Linear"))
    }

    @Test func matchingTargetsOrder() throws {
        let m = ModuleMatcher(targets: ["Linear", "re:.*up_proj", "model.layers.0.mlp.up_proj"], ignore: [], source: Self.source)
        #expect(try m.matchingTargets(moduleName: "model.layers.0.mlp.up_proj", classNames: ["Linear"])
                == ["model.layers.0.mlp.up_proj", "re:.*up_proj", "Linear"])
    }

    @Test func pythonRegexSyntax() throws {
        #expect(try PythonRegex(#"(?P<layer>\d+)\.(?P=layer)"#).matchesAtStart("3.3"))
        #expect(try !PythonRegex(#"(?P<layer>\d+)\.(?P=layer)"#).matchesAtStart("3.4"))
        #expect(try PythonRegex(#"model\Z"#).matchesAtStart("model"))
        #expect(try !PythonRegex(#"model\Z"#).matchesAtStart("model.x"))
        #expect(try PythonRegex(#"a{,2}b"#).matchesAtStart("aab"))
        #expect(try PythonRegex(#"[]x]+"#).matchesAtStart("]x"))
        #expect(throws: PythonRegex.Failure.self) { try PythonRegex("model.(") }
    }

    /// Nested repetitions backtrack exponentially in the length of the name: the step budget stops
    /// the match with an error naming the pattern, the module and where the pattern was written.
    @Test func aCatastrophicPatternRunsOutOfItsStepBudget() throws {
        let hostile = ModuleMatcher(targets: ["re:(.|.)*Z$"], ignore: [], source: Self.source)
        let module = "model.layers.0.self_attn.q_proj"
        #expect(throws: RecipeError.patternTooSlow(Self.source, pattern: "re:(.|.)*Z$", module: module, steps: 100_000 + 1_000 * module.utf16.count)) {
            try hostile.matches(moduleName: module, className: "Linear")
        }
        let ignored = ModuleMatcher(targets: ["Linear"], ignore: ["re:(a|a)*b"], source: Self.source)
        #expect(throws: RecipeError.self) { try ignored.isIgnored(moduleName: String(repeating: "a", count: 40), className: "Linear") }
    }

    /// Ordinary patterns stay far within the budget, matching or not.
    @Test func ordinaryPatternsStayWithinTheBudget() throws {
        let name = "model.language_model.layers.123.block_sparse_moe.experts.7.down_proj"
        let m = ModuleMatcher(targets: [#"re:.*layers\.\d+\..*(gate|up|down)_proj$"#, "re:.*experts.*"], ignore: [], source: Self.source)
        #expect(try m.matchingTargets(moduleName: name, classNames: ["Linear"]).count == 2)
        #expect(try !m.matches(moduleName: "model.language_model.layers.123.self_attn.o_proj", className: "Linear"))
    }
}
