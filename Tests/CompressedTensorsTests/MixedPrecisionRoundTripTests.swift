import Foundation
import Testing
import TestSupport

/// Mixed precision as llm-compressor users write it: config groups whose targets overlap, each
/// module in the group of its most specific target (exact name, then `re:` pattern, then class),
/// as `oneshot` writes, `verify` checks and the runtime runs it. Before the three shared one
/// assignment, the runtime took the first group with a matching target and failed to load these.
@Suite struct MixedPrecisionRoundTripTests {
    static let int4 = "{num_bits: 4, type: int, symmetric: true, strategy: group, group_size: 64}"
    static let int8 = "{num_bits: 8, type: int, symmetric: true, strategy: channel}"
    static let int8Tokens = "{num_bits: 8, type: int, symmetric: true, strategy: token, dynamic: true}"
    static let fp8 = "{num_bits: 8, type: float, symmetric: true, strategy: channel}"
    static let fp8Tokens = "{num_bits: 8, type: float, symmetric: true, strategy: token, dynamic: true}"

    /// A QuantizationModifier body with `ignore: [lm_head]` and these config groups, each
    /// `(name, targets, weights, input_activations)`.
    static func modifier(_ groups: [(String, String, String, String?)]) -> String {
        var text = "  ignore: [lm_head]\n  config_groups:\n"
        for (name, targets, weights, inputs) in groups {
            text += "    \(name):\n      targets: \(targets)\n      weights: \(weights)\n"
            if let inputs { text += "      input_activations: \(inputs)\n" }
        }
        return text
    }

    /// The recipe of the issue: 4-bit groups of 64 for every Linear, 8-bit channels with dynamic
    /// 8-bit token activations for `down_proj`.
    @Test func int4WithInt8DownProjectionsRoundTrips() throws {
        let mixed = try RoundTrip(modifier: Self.modifier([
            ("group_0", "[Linear]", Self.int4, nil), ("group_1", "['re:.*down_proj$']", Self.int8, Self.int8Tokens),
        ]), in: TemporaryFolder("mixed-precision"))
        #expect(mixed.report.passed, "\(mixed.report.problems.prefix(3))")
        #expect(mixed.report.format == "mixed-precision")
        #expect(mixed.groups.count == 14)
        for (module, assigned) in mixed.groups {
            let down = module.hasSuffix("down_proj")
            #expect(assigned.group == (down ? "group_1" : "group_0") && assigned.format == (down ? "int-quantized" : "pack-quantized"), "\(module)")
            #expect(mixed.runtimeKinds[module] == (down ? "int8" : "packed"), "\(module)")
        }
        let int4 = try RoundTrip(modifier: Self.modifier([("g", "[Linear]", Self.int4, nil)]), in: TemporaryFolder("mixed-precision-int4"))
        let int8 = try RoundTrip(modifier: Self.modifier([("g", "[Linear]", Self.int8, Self.int8Tokens)]), in: TemporaryFolder("mixed-precision-int8"))
        #expect(mixed.perplexity.isFinite)
        #expect(mixed.perplexity >= min(int4.perplexity, int8.perplexity) * 0.99 && mixed.perplexity <= max(int4.perplexity, int8.perplexity) * 1.01,
                "mixed \(mixed.perplexity), int4 \(int4.perplexity), int8 \(int8.perplexity)")
    }

    /// Three groups where the first one with a matching target is never the right one: an exact
    /// name (in the last group) beats the patterns and the class, a pattern beats the class.
    /// `verify` reports each module's group, and the runtime loads each module in that group's format.
    @Test func verifyAndTheRuntimeAssignOverlappingTargetsAlike() throws {
        let mixed = try RoundTrip(modifier: Self.modifier([
            ("fp8", "[Linear]", Self.fp8, Self.fp8Tokens), ("int8", "['re:.*down_proj$']", Self.int8, Self.int8Tokens),
            ("int4", "[model.layers.0.mlp.down_proj, 're:.*self_attn\\.o_proj$']", Self.int4, nil),
        ]), in: TemporaryFolder("mixed-precision"))
        #expect(mixed.report.passed, "\(mixed.report.problems.prefix(3))")
        // Written as compressed-tensors names them, by their first module in model order: fp8
        // (q_proj), int4 (layers.0 o_proj), int8 (layers.1 down_proj).
        #expect(mixed.report.groups.map(\.modules) == [10, 3, 1])
        let expected = [
            "model.layers.0.mlp.down_proj": "group_1", "model.layers.1.mlp.down_proj": "group_2",
            "model.layers.0.self_attn.o_proj": "group_1", "model.layers.1.self_attn.o_proj": "group_1",
        ]
        #expect(mixed.groups.count == 14)
        for (module, assigned) in mixed.groups {
            #expect(assigned.group == expected[module, default: "group_0"], "\(module)")
            #expect(mixed.runtimeKinds[module] == RoundTrip.kind(ofFormat: assigned.format), "\(module): \(assigned.format)")
        }
        #expect(mixed.perplexity.isFinite)
    }
}
