import Foundation
import Testing
@testable import Recipes

/// Every way a recipe is refused, with the line and column of the offending node and the
/// suggestion text.
@Suite struct RecipeErrorTests {
    /// Asserts the error's position and that its description contains every fragment.
    func expectError(_ yaml: String, line: Int, column: Int, _ fragments: String...,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        guard let error = parseError(yaml, file: "bad.yaml") else {
            Issue.record("recipe was accepted", sourceLocation: sourceLocation)
            return
        }
        #expect(error.position?.file == "bad.yaml", sourceLocation: sourceLocation)
        #expect(error.position?.line == line, "\(error)", sourceLocation: sourceLocation)
        #expect(error.position?.column == column, "\(error)", sourceLocation: sourceLocation)
        #expect(error.description.hasPrefix("bad.yaml:\(line):\(column): "), "\(error)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(error.description.contains(fragment), "\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func yamlSyntaxError() {
        let error = parseError("QuantizationModifier:\n  targets: [Linear\n  scheme: FP8\n", file: "bad.yaml")
        guard case .yamlSyntax? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(error!.position!.line == 3)
        expectError("a: b: c\n", line: 1, column: 5, "YAML syntax error", "mapping values are not allowed")
    }

    @Test func emptyDocument() {
        expectError("", line: 1, column: 1, "recipe is empty")
        expectError("# only a comment\n", line: 1, column: 1, "recipe is empty")
        expectError("\n\n~\n", line: 3, column: 1, "recipe is empty")
        expectError("{}\n", line: 1, column: 1, "recipe is empty")
    }

    @Test func notAMapping() {
        expectError("- QuantizationModifier\n", line: 1, column: 1, "'recipe' must be a mapping", "found a list")
    }

    @Test func unknownTopLevelKey() {
        expectError("QuantizationModifer:\n  scheme: FP8\n", line: 1, column: 1,
                    "unknown top-level key 'QuantizationModifer'", "did you mean 'QuantizationModifier'?")
        expectError("quant_stag:\n  x: 1\n", line: 1, column: 1, "did you mean 'quant_stage'?")
        expectError("recipe_version: 2\n", line: 1, column: 1, "unknown top-level key 'recipe_version'")
    }

    @Test func unknownStageKey() {
        expectError("""
            quant_stage:
              run_type: oneshot
            """, line: 2, column: 3, "unknown key 'run_type' in stage")
        expectError("""
            quant_stage:
              quant_modifier:
                QuantizationModifier: {scheme: W4A16}
            """, line: 2, column: 3, "did you mean 'quant_modifiers'?")
    }

    @Test func unknownModifier() {
        expectError("""
            quant_stage:
              quant_modifiers:
                QuantisationModifier:
                  scheme: W4A16
            """, line: 3, column: 5, "unknown modifier 'QuantisationModifier'", "did you mean 'QuantizationModifier'?")
        // llm-compressor's factory has no suffixed names.
        expectError("""
            quant_stage:
              quant_modifiers:
                QuantizationModifier_1:
                  scheme: W4A16
            """, line: 3, column: 5, "unknown modifier 'QuantizationModifier_1'", "did you mean 'QuantizationModifier'?")
    }

    @Test func unsupportedCalibrationModifiersAreRefused() {
        for name in ["AutoRoundModifier", "SparseGPTModifier", "LogarithmicEqualizationModifier"] {
            expectError("""
                quant_stage:
                  quant_modifiers:
                    \(name):
                      smoothing_strength: 0.8
                """, line: 3, column: 5, "\(name) needs calibration data, not supported yet")
        }
        expectError("SparseGPTModifier: {sparsity: 0.5}\n", line: 1, column: 1, "needs calibration data")
    }

    @Test func unknownModifierKey() {
        expectError("""
            QuantizationModifier:
              scheme: W4A16
              ignores: [lm_head]
            """, line: 3, column: 3, "unknown key 'ignores' in QuantizationModifier", "did you mean 'ignore'?")
        expectError("""
            QuantizationModifier:
              scheme: W4A16
              group: quant
            """, line: 3, column: 3, "key 'group' is not supported")
    }

    @Test func unknownPreset() {
        expectError("""
            QuantizationModifier:
              scheme: FP8_DYNAMC
            """, line: 2, column: 11, "unknown preset scheme 'FP8_DYNAMC'", "did you mean 'FP8_DYNAMIC'?")
        expectError("""
            QuantizationModifier:
              scheme:
                W4A61: [Linear]
            """, line: 3, column: 5, "unknown preset scheme 'W4A61'", "did you mean 'W4A16'?")
    }

    @Test func wrongTypes() {
        expectError("""
            QuantizationModifier:
              config_groups:
                group_0:
                  targets: [Linear]
                  weights:
                    num_bits: eight
            """, line: 6, column: 19, "'num_bits' must be an integer", "found the string 'eight'")
        expectError("""
            QuantizationModifier:
              scheme: W4A16
              targets: 3
            """, line: 3, column: 12, "'targets' must be a string or a list of strings", "found the integer 3")
        expectError("""
            QuantizationModifier:
              scheme: W4A16
              ignore: [lm_head, 7]
            """, line: 3, column: 21, "'ignore' must be a list of strings")
        expectError("""
            QuantizationModifier:
              scheme: W4A16
              bypass_divisibility_checks: maybe
            """, line: 3, column: 31, "'bypass_divisibility_checks' must be true or false")
        expectError("""
            QuantizationModifier:
              scheme: [W4A16]
            """, line: 2, column: 11, "'scheme' must be a preset name or a mapping")
    }

    @Test func invalidEnumValues() {
        expectError("""
            QuantizationModifier:
              config_groups:
                group_0:
                  targets: [Linear]
                  weights: {num_bits: 8, type: float, strategy: chanel}
            """, line: 5, column: 53, "invalid strategy 'chanel'", "did you mean 'channel'?")
        expectError("""
            QuantizationModifier:
              config_groups:
                group_0:
                  targets: [Linear]
                  weights: {num_bits: 8, type: flaot}
            """, line: 5, column: 36, "invalid type 'flaot'", "did you mean 'float'?")
        expectError("""
            QuantizationModifier:
              config_groups:
                group_0:
                  targets: [Linear]
                  weights: {num_bits: 4, group_size: 128, observer: mse_minmax}
            """, line: 5, column: 57, "unknown observer 'mse_minmax'", "did you mean 'minmax'?")
    }

    /// `observer_kwargs` keys the observer does not read (llm-compressor ignores them) are typos:
    /// refused at the key with the closest key that observer reads; values must be numbers and
    /// `expand` at least 1, as llm-compressor's MSE observers require.
    @Test func unknownObserverKwargs() {
        func recipe(_ weights: String) -> String {
            "QuantizationModifier:\n  config_groups:\n    group_0:\n      targets: [Linear]\n      weights: \(weights)\n"
        }
        expectError(recipe("{num_bits: 4, group_size: 128, observer: mse, observer_kwargs: {maxshrnk: 0.3}}"), line: 5, column: 80,
                    "unknown key 'maxshrnk' in observer_kwargs of 'mse'", "did you mean 'maxshrink'?")
        expectError(recipe("\n        num_bits: 4\n        group_size: 128\n        observer_kwargs: {patience: 3, gird: 50}"),
                    line: 8, column: 40, "unknown key 'gird' in observer_kwargs", "did you mean 'grid'?")
        expectError(recipe("{num_bits: 4, group_size: 128, observer: memoryless_minmax, observer_kwargs: {norm: 2}}"), line: 5, column: 94,
                    "unknown key 'norm' in observer_kwargs of 'memoryless_minmax', which takes none")
        // No observer named: the group resolves to min-max, which reads no search key; a modifier's
        // observer override that reads it makes the same args valid.
        expectError(recipe("{num_bits: 4, group_size: 128, observer_kwargs: {maxshrink: 0.3}}"), line: 2, column: 3,
                    "unknown key 'maxshrink' in observer_kwargs of group_0.weights, whose observer resolves to 'memoryless_minmax', which takes none")
        #expect(throws: Never.self) {
            try Recipe.parse(yaml: recipe("{num_bits: 4, group_size: 128, observer_kwargs: {maxshrink: 0.3}}") + "  weight_observer: mse\n", file: "r.yaml")
        }
        expectError(recipe("{num_bits: 4, group_size: 128, observer: mse, observer_kwargs: {norm: two}}"), line: 5, column: 86,
                    "'norm' must be a number")
        expectError(recipe("{num_bits: 4, group_size: 128, observer: mse, observer_kwargs: {expand: 0.5}}"), line: 5, column: 88,
                    "expand", "at least 1.0")
        expectError(recipe("{num_bits: 4, group_size: 128, observer: imatrix_mse, observer_kwargs: {stirct: true}}"), line: 5, column: 88,
                    "unknown key 'stirct' in observer_kwargs of 'imatrix_mse'", "did you mean 'strict'?")
        expectError(recipe("{num_bits: 4, group_size: 128, observer: nvfp4_expanded_imatrix, observer_kwargs: {strict: 1}}"), line: 5, column: 107,
                    "'strict'")
        expectError(recipe("{num_bits: 4, group_size: 128, observer: imatrix_msee}"), line: 5, column: 57,
                    "unknown observer 'imatrix_msee'", "did you mean 'imatrix_mse'?")
    }

    @Test func schemeTogetherWithConfigGroups() {
        expectError("""
            QuantizationModifier:
              scheme: W4A16
              config_groups:
                group_0:
                  targets: [Linear]
                  weights: {num_bits: 8}
            """, line: 3, column: 3, "either 'scheme' or 'config_groups', not both")
    }

    @Test func neitherSchemeNorConfigGroups() {
        expectError("""
            quant_stage:
              quant_modifiers:
                QuantizationModifier:
                  targets: [Linear]
                  ignore: [lm_head]
            """, line: 3, column: 5, "needs 'scheme', 'config_groups' or 'kv_cache_scheme'")
        expectError("QuantizationModifier:\n", line: 1, column: 1, "needs 'scheme'")
    }

    @Test func invalidQuantizationArgs() {
        // group strategy without group_size: points at the strategy.
        expectError("""
            QuantizationModifier:
              config_groups:
                group_0:
                  targets: [Linear]
                  weights:
                    num_bits: 4
                    strategy: group
            """, line: 7, column: 19, "strategy 'group' requires group_size")
        // num_bits out of range.
        expectError("""
            QuantizationModifier:
              config_groups:
                group_0:
                  targets: [Linear]
                  weights: {num_bits: 0}
            """, line: 5, column: 27, "num_bits 0 is out of range")
        expectError("""
            QuantizationModifier:
              config_groups:
                group_0:
                  targets: [Linear]
                  weights: {num_bits: 5, type: float}
            """, line: 5, column: 27, "num_bits 5 is not supported for float")
        // static token quantization.
        expectError("""
            QuantizationModifier:
              config_groups:
                group_0:
                  targets: [Linear]
                  input_activations: {num_bits: 8, strategy: token}
            """, line: 5, column: 50, "static token quantization")
        // group_size with another strategy.
        expectError("""
            QuantizationModifier:
              config_groups:
                group_0:
                  targets: [Linear]
                  weights: {num_bits: 4, strategy: channel, group_size: 128}
            """, line: 5, column: 61, "group_size requires strategy 'group'")
        // block strategy without block_structure.
        expectError("""
            QuantizationModifier:
              config_groups:
                group_0:
                  targets: [Linear]
                  weights: {num_bits: 8, type: float, strategy: block}
            """, line: 5, column: 53, "requires block_structure")
        // local dynamic outside tensor_group.
        expectError("""
            QuantizationModifier:
              config_groups:
                group_0:
                  targets: [Linear]
                  input_activations: {num_bits: 8, type: float, strategy: token, dynamic: local}
            """, line: 5, column: 79, "'local' is only supported for strategy 'tensor_group'")
        // kv_cache_scheme args are validated too.
        expectError("""
            QuantizationModifier:
              kv_cache_scheme: {num_bits: 8, type: float, strategy: tensor, group_size: -2}
            """, line: 2, column: 77, "invalid group_size -2")
    }

    @Test func invalidScheme() {
        expectError("""
            QuantizationModifier:
              config_groups:
                group_0:
                  targets: [Linear]
                  weights: {num_bits: 8}
                  input_activations: {num_bits: 8, strategy: channel}
            """, line: 6, column: 26, "strategy 'channel' is not supported for activation quantization")
        expectError("""
            QuantizationModifier:
              config_groups:
                group_0:
                  weights: {num_bits: 8}
            """, line: 3, column: 5, "config group 'group_0' needs 'targets'")
        expectError("""
            QuantizationModifier:
              config_groups:
                group_0:
                  targets: [Linear]
                  weights: {num_bits: 8}
                  format: float-quantised
            """, line: 6, column: 15, "invalid format 'float-quantised'", "did you mean 'float-quantized'?")
        expectError("""
            QuantizationModifier:
              config_groups:
                group_0:
                  targets: [Linear]
                  weigths: {num_bits: 8}
            """, line: 5, column: 7, "unknown key 'weigths' in config group 'group_0'", "did you mean 'weights'?")
    }

    @Test func unknownArgsKey() {
        expectError("""
            QuantizationModifier:
              config_groups:
                group_0:
                  targets: [Linear]
                  weights: {num_bits: 8, symetric: true}
            """, line: 5, column: 30, "unknown key 'symetric' in weights of config group 'group_0'", "did you mean 'symmetric'?")
    }

    @Test func invalidPattern() {
        expectError("""
            QuantizationModifier:
              scheme: W4A16
              ignore: [lm_head, "re:model.layers.(0"]
            """, line: 3, column: 21, "invalid regular expression 're:model.layers.(0'")
    }

    @Test func duplicateKey() {
        expectError("""
            QuantizationModifier:
              scheme: W4A16
              scheme: W8A8
            """, line: 3, column: 3, "duplicate key 'scheme' (first given at 2:3)")
    }

    @Test func noModifiers() {
        expectError("quant_stage:\n  quant_modifiers: {}\n", line: 2, column: 3, "modifier group 'quant_modifiers' holds no modifier")
    }

    @Test func conflictingObserverKeys() {
        expectError("""
            QuantizationModifier:
              scheme: W4A16
              weight_observer: mse
              observer: {weights: minmax}
            """, line: 4, column: 3, "'observer' cannot be combined with")
    }

    @Test func aliasBombIsRefused() {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...8 {
            let refs = Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ")
            yaml += "a\(i): &a\(i) [\(refs)]\n"
        }
        guard case .tooManyNodes? = parseError(yaml) else {
            Issue.record("alias bomb not refused: \(String(describing: parseError(yaml)))")
            return
        }
    }

    @Test func hugeDocumentIsRefused() {
        let yaml = "# " + String(repeating: "x", count: Recipe.maxDocumentBytes) + "\nQuantizationModifier: {scheme: W4A16}\n"
        expectError(yaml, line: 1, column: 1, "refused")
    }

    @Test func aDocumentThatIsNotUTF8IsUnreadable() {
        let bytes: [UInt8] = Array("QuantizationModifier: {scheme: W4A16}\n# ".utf8) + [0xFF, 0x0A]
        #expect(throws: RecipeError.fileUnreadable(path: "r.yaml", reason: "not valid UTF-8")) {
            try bytes.withUnsafeBytes { try Recipe.parse(document: $0, file: "r.yaml") }
        }
    }
}
