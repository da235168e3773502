import Foundation
import Modifiers
import Recipes
import Tokenizers
import Synchronization
import Testing
import TestSupport

/// `try await Compressor.oneshot(...)` reaches the asynchronous entry point from any code,
/// top-level code included, which picks a synchronous overload of the same name even under
/// `await`: the synchronous form is named `run`.
@Suite struct AsyncOneshotTests {
    @Test func theAsyncEntryPointRunsOffTheCallersThreadWithCalibrationData() async throws {
        // An unapplied reference is ambiguous, and fails to compile, while a synchronous overload shares the name.
        let oneshot = Compressor.oneshot
        let folder = TemporaryFolder("async-oneshot")
        let recipe = try Recipe.parse(yaml: "QuantizationModifier:\n  ignore: [lm_head]\n  scheme: FP8\n", file: "recipe.yaml")
        let model = Fixtures.path("models/llama_calib")
        let calibration = try CalibrationInput.load(dataset: Fixtures.path("calibration/text.txt"), model: model,
                                                    options: CalibrationDataOptions(sampleCount: 2, maxSequenceLength: 16))
        let caller = pthread_self()
        let progressThreads = Mutex<[pthread_t]>([])
        let summary = try await oneshot(model, recipe, folder.file("out"), OneshotOptions(threads: 2, calibration: calibration),
                                        { _ in progressThreads.withLock { $0.append(pthread_self()) } })
        #expect(summary.tensorsQuantized == 14)
        let threads = progressThreads.withLock { $0 }
        #expect(threads.count == summary.tensorsQuantized + summary.tensorsCopied)
        #expect(threads.allSatisfy { pthread_equal($0, caller) == 0 })
        #expect(try TensorReader(directory: folder.file("out")).names.contains("model.layers.0.self_attn.q_proj.input_scale"))
    }
}
