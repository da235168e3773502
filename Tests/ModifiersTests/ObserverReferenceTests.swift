import Foundation
@testable import Modifiers
import Recipes
import Testing
import TestSupport

/// The MSE weight observers (`mse`, `memoryless_mse`, `nvfp4_expanded_mse`) give llm-compressor
/// 0.14's output on the tiny Llama byte for byte, with the observer named in the config; an
/// observer this port cannot run is refused at the modifier's position, never replaced.
/// References: `scripts/make-observer-references.py` (CPU search).
@Suite struct ObserverReferenceTests {
    static let references = [
        "tiny-llama--W4A16_MSE", "tiny-llama--W4A16_ASYM_MSE", "tiny-llama--W4A16_ASYM_MSE_KWARGS", "tiny-llama--W8A16_MSE",
        "tiny-llama--NVFP4A16_MSE", "tiny-llama--NVFP4A16_EXPANDED_MSE", "tiny-llama--FP8_CHANNEL_MSE",
    ]

    static func compress(_ recipe: Recipe, threads: Int = 2) throws -> TemporaryFolder {
        let folder = TemporaryFolder("mse")
        try Compressor.run(model: Fixtures.path("tiny-llama"), recipe: recipe, output: folder.file("out"),
                           options: OneshotOptions(threads: threads))
        return folder
    }

    @Test(arguments: references)
    func matchesLlmCompressor(_ reference: String) throws {
        let recipe = try Recipe.load(path: Fixtures.path("references/\(reference)/recipe.yaml"))
        let folder = try Self.compress(recipe)
        let manifest = try ReferenceManifest(path: Fixtures.path("references/\(reference)/manifest.json"))
        let differences = try manifest.differences(from: folder.file("out"))
        #expect(differences.isEmpty, "\(differences.prefix(5))")
    }

    /// The search stops for the whole tensor, so rows split over threads must still agree.
    @Test(arguments: [1, 3])
    func outputDoesNotDependOnThreads(threads: Int) throws {
        for reference in ["tiny-llama--W4A16_ASYM_MSE_KWARGS", "tiny-llama--NVFP4A16_MSE"] {
            let recipe = try Recipe.load(path: Fixtures.path("references/\(reference)/recipe.yaml"))
            let folder = try Self.compress(recipe, threads: threads)
            let manifest = try ReferenceManifest(path: Fixtures.path("references/\(reference)/manifest.json"))
            #expect(try manifest.differences(from: folder.file("out")).isEmpty, "\(reference)")
        }
    }

    /// Observers with no implementation here for the scheme's weights fail planning with one
    /// error at the modifier's FILE:LINE:COLUMN naming the group and the observer.
    @Test(arguments: [("MXFP4A16", "mse"), ("FP8_BLOCK", "memoryless_mse"), ("MXFP8A16", "imatrix_mse")])
    func unrunnableObserversAreRefused(scheme: String, observer: String) throws {
        let yaml = "\nQuantizationModifier:\n  targets: [Linear]\n  ignore: [lm_head]\n  scheme: \(scheme)\n  weight_observer: \(observer)\n"
        let recipe = try Recipe.parse(yaml: yaml, file: "obs.yaml")
        do {
            _ = try OneshotPlan(model: Fixtures.path("tiny-llama"), recipe: recipe)
            Issue.record("\(scheme) with \(observer) was accepted")
        } catch {
            guard case let .unsupportedObserver(position, group, name, _) = error else { Issue.record("\(error)"); return }
            #expect(position == "obs.yaml:2:1")
            #expect(group == "group_0")
            #expect(name == observer)
            #expect(error.description.hasPrefix("obs.yaml:2:1: config group 'group_0': weight observer '\(observer)' is not supported"))
        }
    }

    /// GPTQ computes its scales with min-max: an MSE weight observer under it is refused at the
    /// modifier's FILE:LINE:COLUMN, not run as min-max.
    @Test func anMSEObserverUnderGPTQIsRefusedAtTheModifier() throws {
        let yaml = """

            GPTQModifier:
              ignore: [lm_head]
              config_groups:
                group_0:
                  targets: [Linear]
                  weights: {num_bits: 4, type: int, symmetric: true, strategy: group, group_size: 32, observer: mse}
            """
        let recipe = try Recipe.parse(yaml: yaml, file: "gptq.yaml")
        do {
            _ = try OneshotPlan(model: Fixtures.path("tiny-llama"), recipe: recipe)
            Issue.record("GPTQ with an mse observer was accepted")
        } catch {
            guard case let .unsupportedObserver(position, group, name, _) = error else { Issue.record("\(error)"); return }
            #expect(position == "gptq.yaml:2:1")
            #expect(group == "group_0")
            #expect(name == "mse")
        }
    }

    /// The search's stopping rule: the tensor stops after `patience` steps in a row in which no group improved.
    @Test func searchStopsAfterPatienceQuietSteps() {
        var search = MSESearch.standard
        search.patience = 2
        #expect(search.lastStep { [0, 1, 4].contains($0) } == 3)
        #expect(search.lastStep { $0 % 2 == 0 } == search.steps - 1)
        search.patience = 0
        #expect(search.lastStep { $0 < 3 } == 3)
    }
}
