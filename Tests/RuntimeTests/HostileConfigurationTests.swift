import Checkpoint
import Foundation
import Runtime
import Testing
import TestSupport

/// config.json values no model holds, and tensors that break what the config promises, are refused
/// with one line naming the key or tensor, before anything is allocated from them: no crash (the
/// release build has no traps), no gigabytes reserved, no empty output.
@Suite struct HostileConfigurationTests {
    /// A config.json change, what loading must say about it, and the fixture it is made to.
    struct Case: CustomTestStringConvertible, Sendable {
        let fixture: String
        /// Keys to set (dotted for nested objects) to values written as JSON; "null" removes the key.
        let edits: [String: String]
        let reason: String
        var testDescription: String { edits.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: ", ") }

        init(_ edits: [String: String], _ reason: String, fixture: String = "tiny-llama") {
            self.fixture = fixture
            self.edits = edits
            self.reason = reason
        }
    }

    static let cases = [
        Case(["num_hidden_layers": "100000000"],
             "num_hidden_layers is 100000000, but the checkpoint holds 2 decoder layers, model.layers.0 to model.layers.1"),
        Case(["num_hidden_layers": "1"], "num_hidden_layers is 1, but the checkpoint holds 2 decoder layers, model.layers.0 to model.layers.1"),
        Case(["num_hidden_layers": "4611686018427387904"], "'num_hidden_layers': 4611686018427387904 is not a size from 1 to 2^40"),
        Case(["head_dim": "1099511627776"], "'head_dim': num_attention_heads × head_dim (4 × 1099511627776) is more than 2^40"),
        Case(["max_position_embeddings": "0"], "'max_position_embeddings': 0 is not a size from 1 to 2^40"),
        Case(["rms_norm_eps": "-1"], "'rms_norm_eps': -1.0 is not a finite number ≥ 0"),
        Case(["rope_parameters.rope_theta": "0"], "rope_parameters.rope_theta is 0.0; it must be a positive finite number"),
        Case(["rope_parameters": "null", "rope_theta": "-1"], "rope_theta is -1.0; it must be a positive finite number"),
        Case(["rope_parameters.rope_type": "\"linear\"", "rope_parameters.factor": "0"],
             "rope_parameters.factor is 0.0; it must be a positive finite number"),
        Case(["partial_rotary_factor": "2"], "partial_rotary_factor is 2.0; it must be at most 1"),
        Case(["sliding_window": "-5"], "'sliding_window': -5 is not a window of 1 to 2^40 positions", fixture: "models/mistral"),
        Case(["sliding_window": "0"], "sliding_window is 0, but layer 0 slides; a window holds at least 1 position", fixture: "models/mistral"),
        Case(["num_experts_per_tok": "5"], "'num_experts_per_tok': 5 is more than the 4 experts", fixture: "models/mixtral"),
        Case(["attn_logit_softcapping": "0"], "'attn_logit_softcapping': 0.0 is not a positive finite number", fixture: "models/gemma2"),
    ]

    /// A copy of the fixture `source` (a folder of `Tests/Fixtures`) with `edit` applied to its config.json.
    static func copy(of source: String, editing edit: (inout [String: Any]) throws -> Void) throws -> TemporaryFolder {
        let folder = TemporaryFolder("hostile-config")
        let path = Fixtures.path(source)
        for file in try FileManager.default.contentsOfDirectory(atPath: path) where file != "config.json" {
            try FileManager.default.copyItem(atPath: path + "/" + file, toPath: folder.file(file))
        }
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path + "/config.json"))) as! [String: Any]
        try edit(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: folder.file("config.json")))
        return folder
    }

    /// Sets `value` at the dotted `path` of `object`; NSNull removes the key.
    static func set(_ value: Any, at path: ArraySlice<Substring>, in object: inout [String: Any]) {
        let key = String(path.first!)
        guard path.count > 1 else {
            object[key] = value is NSNull ? nil : value
            return
        }
        var inner = object[key] as? [String: Any] ?? [:]
        set(value, at: path.dropFirst(), in: &inner)
        object[key] = inner
    }

    /// What loading the model in `folder` throws, nil when it loads.
    static func loadingError(_ folder: TemporaryFolder) -> RuntimeError? {
        do {
            _ = try DecoderModel(directory: folder.path, threads: 1)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: cases) func aValueNoModelHoldsIsNamed(_ testCase: Case) throws {
        let folder = try Self.copy(of: testCase.fixture) { config in
            for (path, json) in testCase.edits {
                let value = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed)
                Self.set(value, at: path.split(separator: ".")[...], in: &config)
            }
        }
        #expect(Self.loadingError(folder) == .invalidConfiguration(file: folder.file("config.json"), reason: testCase.reason))
    }

    @Test func sizesThatDisagreeWithTheTensorsNameTheTensor() throws {
        let vocabulary = try Self.copy(of: "tiny-llama") { $0["vocab_size"] = 1000 }
        #expect(Self.loadingError(vocabulary) == .tensorShape(tensor: "model.embed_tokens.weight", expected: [1000, 256], actual: [512, 256]))
        let heads = try Self.copy(of: "tiny-llama") { $0["head_dim"] = 32 }
        #expect(Self.loadingError(heads) == .tensorShape(tensor: "model.layers.0.self_attn.q_proj.weight", expected: [128, 256], actual: [256, 256]))
    }

    @Test func aWindowOfZeroWhereNoLayerSlidesIsAccepted() throws {
        let folder = try Self.copy(of: "models/qwen2") { config in
            config["sliding_window"] = 0
            config["use_sliding_window"] = false
        }
        #expect(Self.loadingError(folder) == nil)
    }
}
