import Architectures
import Foundation
import Runtime
import Testing
import TestSupport

/// Every supported architecture, and every RoPE scaling, against transformers' f32 logits
/// (`Tests/Fixtures/reference/runtime-architectures.json`, written by
/// `scripts/make-architecture-reference.py`; `runtime-deepseek_v3.json` and `runtime-glm4_moe.json`,
/// written by `scripts/make-deepseek-v3-fixture.py` and `scripts/make-glm4-moe-fixture.py`).
@Suite struct ArchitectureTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let fixture: String
        let overrides: [String: AnySendable]
        let inputIDs: [Int]
        /// The input positions whose logits `logits` holds.
        let rows: [Int]
        let logits: [[Float]]
        var testDescription: String { name }
    }

    /// A JSON value carried across test arguments.
    struct AnySendable: @unchecked Sendable { let value: Any }

    static let referenceFiles = ["runtime-architectures.json", "runtime-deepseek_v3.json", "runtime-glm4_moe.json"]
    static let cases: [Case] = referenceFiles.flatMap { file in
        let reference = try! JSONSerialization.jsonObject(with: Fixtures.data("reference/\(file)")) as! [String: Any]
        let inputIDs = (reference["input_ids"] as! [NSNumber]).map(\.intValue)
        let rows = (reference["rows"] as! [NSNumber]).map(\.intValue)
        return (reference["cases"] as! [[String: Any]]).map { entry in
            Case(
                name: entry["name"] as! String, fixture: entry["fixture"] as! String,
                overrides: (entry["overrides"] as! [String: Any]).mapValues(AnySendable.init), inputIDs: inputIDs, rows: rows,
                logits: (entry["logits"] as! [[NSNumber]]).map { $0.map(\.floatValue) })
        }
    }

    /// A copy of the fixture folder with `overrides` applied to its config.json (null removes a key).
    static func folder(for testCase: Case) throws -> TemporaryFolder {
        let folder = TemporaryFolder("runtime-\(testCase.name)")
        let source = Fixtures.path("models/\(testCase.fixture)")
        try FileManager.default.copyItem(atPath: source + "/model.safetensors", toPath: folder.file("model.safetensors"))
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: source + "/config.json"))) as! [String: Any]
        for (key, value) in testCase.overrides { config[key] = value.value is NSNull ? nil : value.value }
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: folder.file("config.json")))
        return folder
    }

    @Test(arguments: cases) func logitsMatchTransformers(_ testCase: Case) throws {
        let folder = try Self.folder(for: testCase)
        let model = try DecoderModel(directory: folder.path)
        let logits = try model.forward(testCase.inputIDs, cache: model.makeCache())
        var worst: Float = 0
        for (expected, r) in zip(testCase.logits, testCase.rows) {
            worst = max(worst, zip(expected, logits[r]).map { abs($0 - $1) }.max()!)
        }
        #expect(worst < 1e-4, "\(testCase.name): max abs error \(worst)")
    }

    @Test(arguments: cases) func cachedDecodeMatchesBatchedForward(_ testCase: Case) throws {
        let folder = try Self.folder(for: testCase)
        let model = try DecoderModel(directory: folder.path)
        let tokens = testCase.inputIDs
        let batched = try model.forward(tokens, cache: model.makeCache())
        // A prompt of 40 for its last logits only (the last block's MLP skips the other rows),
        // then one token at a time past every sliding window.
        let cache = model.makeCache()
        let prompt = try model.forward(Array(tokens[..<40]), cache: cache, logits: .last)
        var worst = zip(batched[39], prompt.values).map { abs($0 - $1) }.max()!
        for i in 40..<tokens.count {
            let step = try model.forward([tokens[i]], cache: cache, logits: .last)
            worst = max(worst, zip(batched[i], step.values).map { abs($0 - $1) }.max()!)
        }
        #expect(worst < 1e-4, "\(testCase.name): max abs difference \(worst)")
    }

    @Test func unknownModelTypeIsNamed() throws {
        let folder = TemporaryFolder("runtime-unknown")
        try FileManager.default.copyItem(
            atPath: Fixtures.path("tiny-llama/model.safetensors"), toPath: folder.file("model.safetensors"))
        try folder.write("config.json", text: #"{"model_type": "mamba", "hidden_size": 4}"#)
        #expect(throws: RuntimeError.unsupportedArchitecture(modelType: "mamba", supported: ArchitectureRegistry.modelTypes)) {
            try DecoderModel(directory: folder.path)
        }
    }

    @Test func missingTensorIsNamed() throws {
        let folder = TemporaryFolder("runtime-missing")
        try FileManager.default.copyItem(
            atPath: Fixtures.path("models/qwen2/model.safetensors"), toPath: folder.file("model.safetensors"))
        // The qwen2 weights read as Qwen3 lack the per-head norms.
        var config = try String(contentsOfFile: Fixtures.path("models/qwen2/config.json"), encoding: .utf8)
        config = config.replacingOccurrences(of: "\"qwen2\"", with: "\"qwen3\"")
        try folder.write("config.json", text: config)
        #expect(throws: RuntimeError.missingTensor("model.layers.0.self_attn.q_norm.weight")) {
            try DecoderModel(directory: folder.path)
        }
    }
}
