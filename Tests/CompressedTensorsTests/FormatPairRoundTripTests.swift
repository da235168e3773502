import Foundation
import Testing
import TestSupport

/// Two formats in one checkpoint, one config group by class (`Linear`) and one by a `re:`
/// pattern on the MLP: `oneshot` writes it, `verify` passes it with every MLP projection in the
/// pattern's group, and `eval` runs it to a finite perplexity between those of the two formats alone.
@Suite struct FormatPairRoundTripTests {
    static let presets = ["FP8_DYNAMIC", "FP8_BLOCK", "W8A8", "W4A16", "W4A16_ASYM", "W8A16", "NVFP4A16", "MXFP4A16"]
    static let pairs: [(String, String)] = presets.indices.flatMap { i in presets[(i + 1)...].map { (presets[i], $0) } }

    /// The perplexity of each preset applied to every Linear but lm_head.
    static let alone: Result<[String: Double], any Error> = Result {
        var result: [String: Double] = [:]
        for preset in presets {
            let folder = TemporaryFolder("format-alone")
            result[preset] = try RoundTrip(modifier: "  targets: [Linear]\n  ignore: [lm_head]\n  scheme: \(preset)\n", in: folder).perplexity
        }
        return result
    }

    @Test(arguments: pairs) func twoFormatsRoundTrip(_ byClass: String, _ byPattern: String) throws {
        let folder = TemporaryFolder("format-pair")
        let mixed = try RoundTrip(modifier: """
              ignore: [lm_head]
              scheme:
                \(byClass): [Linear]
                \(byPattern): ['re:.*mlp\\..*_proj$']

            """, in: folder)
        #expect(mixed.report.passed, "\(mixed.report.problems.prefix(3))")
        #expect(mixed.report.groups.map(\.name) == ["group_0", "group_1"])
        for (module, assigned) in mixed.groups {
            #expect(assigned.group == (module.contains(".mlp.") ? "group_1" : "group_0"), "\(module)")
            #expect(mixed.runtimeKinds[module] == RoundTrip.kind(ofFormat: assigned.format), "\(module): \(assigned.format)")
        }
        let alone = try Self.alone.get()
        let low = min(alone[byClass]!, alone[byPattern]!), high = max(alone[byClass]!, alone[byPattern]!)
        #expect(mixed.perplexity.isFinite)
        #expect(mixed.perplexity >= low * 0.99 && mixed.perplexity <= high * 1.01,
                "\(byClass) + \(byPattern): \(mixed.perplexity), alone \(alone[byClass]!) and \(alone[byPattern]!)")
    }
}
