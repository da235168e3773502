import Testing
@testable import Recipes

@Suite struct ModuleMatcherTests {
    let matcher = ModuleMatcher(targets: ["Linear"], ignore: ["lm_head", "re:.*mlp.gate$", "re:vision_tower.*"])

    @Test func classNames() {
        #expect(matcher.matches(moduleName: "model.layers.0.self_attn.q_proj", className: "Linear"))
        #expect(!matcher.matches(moduleName: "model.layers.0.input_layernorm", className: "LlamaRMSNorm"))
        // A superclass name matches too.
        #expect(matcher.matches(moduleName: "model.layers.0.mlp.up_proj", classNames: ["QuantLinear", "Linear", "Module"]))
    }

    @Test func exactNames() {
        #expect(!matcher.matches(moduleName: "lm_head", className: "Linear"))
        #expect(matcher.isIgnored(moduleName: "lm_head", className: "Linear"))
        // Exact means exact: a longer name is not ignored.
        #expect(matcher.matches(moduleName: "model.lm_head", className: "Linear"))
        let byName = ModuleMatcher(targets: ["model.layers.0.mlp.down_proj"], ignore: [])
        #expect(byName.matches(moduleName: "model.layers.0.mlp.down_proj", className: "Linear"))
        #expect(!byName.matches(moduleName: "model.layers.10.mlp.down_proj", className: "Linear"))
    }

    @Test func regexAnchoredAtStartOnly() {
        let lmHead = ModuleMatcher(targets: ["re:.*lm_head"], ignore: [])
        #expect(lmHead.matches(moduleName: "lm_head", className: "Linear"))
        #expect(lmHead.matches(moduleName: "model.lm_head", className: "Linear"))
        // Not anchored at the end: a prefix match is enough.
        #expect(lmHead.matches(moduleName: "lm_head_extra", className: "Linear"))
        let mlp = ModuleMatcher(targets: ["re:mlp"], ignore: [])
        #expect(!mlp.matches(moduleName: "model.layers.0.mlp.up_proj", className: "Linear"))
        #expect(mlp.matches(moduleName: "mlp.up_proj", className: "Linear"))
        // `$` anchors the end when written.
        #expect(matcher.isIgnored(moduleName: "model.layers.3.mlp.gate", className: "Linear"))
        #expect(!matcher.isIgnored(moduleName: "model.layers.3.mlp.gate_proj", className: "Linear"))
        #expect(matcher.isIgnored(moduleName: "vision_tower.blocks.0.attn", className: "Linear"))
        #expect(!matcher.isIgnored(moduleName: "model.vision_tower.blocks.0", className: "Linear"))
    }

    @Test func regexDoesNotMatchClassNames() {
        let m = ModuleMatcher(targets: ["re:Lin.*"], ignore: [])
        #expect(!m.matches(moduleName: "model.layers.0.mlp.up_proj", className: "Linear"))
    }

    @Test func matchingTargetsOrder() {
        let m = ModuleMatcher(targets: ["Linear", "re:.*up_proj", "model.layers.0.mlp.up_proj"], ignore: [])
        #expect(m.matchingTargets(moduleName: "model.layers.0.mlp.up_proj", classNames: ["Linear"])
                == ["model.layers.0.mlp.up_proj", "re:.*up_proj", "Linear"])
    }

    @Test func pythonRegexSyntax() throws {
        #expect(try PythonRegex(#"(?P<layer>\d+)\.(?P=layer)"#).matchesAtStart("3.3"))
        #expect(!(try PythonRegex(#"(?P<layer>\d+)\.(?P=layer)"#).matchesAtStart("3.4")))
        #expect(try PythonRegex(#"model\Z"#).matchesAtStart("model"))
        #expect(!(try PythonRegex(#"model\Z"#).matchesAtStart("model.x")))
        #expect(try PythonRegex(#"a{,2}b"#).matchesAtStart("aab"))
        #expect(try PythonRegex(#"[]x]+"#).matchesAtStart("]x"))
        #expect(throws: PythonRegex.Failure.self) { try PythonRegex("model.(") }
    }
}
