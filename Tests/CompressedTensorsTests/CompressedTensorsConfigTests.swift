import Checkpoint
import CompressedTensors
import Foundation
import JSON
import Recipes
import Testing
import TestSupport

/// config.json's quantization_config read back with the recipe validators: every reference
/// llm-compressor (or compressed-tensors 0.20, in 0.19's layout) wrote parses into the groups it
/// was written from, and mistakes are named.
@Suite struct CompressedTensorsConfigTests {
    static let references = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/references").path

    static func quantizationConfig(_ reference: String) throws -> JSONValue {
        let config = try ModelConfig(path: references + "/\(reference)/config.json")
        return try #require(config.json["quantization_config"])
    }

    static func parse(_ json: String) throws -> CompressedTensorsConfig {
        try CompressedTensorsConfig(json: JSONParser.parse(json), file: "config.json")
    }

    @Test(arguments: (try? FileManager.default.contentsOfDirectory(atPath: references).sorted()) ?? [])
    func everyReferenceConfigReadsBackIntoItsGroups(_ reference: String) throws {
        let json = try Self.quantizationConfig(reference)
        let config = try CompressedTensorsConfig(json: json, file: "config.json")
        #expect(config.quantizationStatus == "compressed")
        #expect(config.format == json["format"]?.stringValue)
        #expect(config.ignore == json["ignore"]?.arrayValue?.compactMap(\.stringValue))
        let written = try #require(ReferenceManifest.in019Layout(json)["config_groups"]?.objectValue)
        #expect(config.configGroups.map(\.name) == written.keys)
        for (name, scheme) in config.configGroups {
            #expect(scheme.configJSON() == written[name], "\(reference) \(name)")
        }
    }

    @Test func aPresetGroupIsExpanded() throws {
        let config = try Self.parse(#"{"config_groups": {"W4A16": ["Linear"]}, "kv_cache_scheme": {"num_bits": 8, "type": "float"}}"#)
        #expect(config.configGroups.first?.scheme == SchemePresets.scheme(named: "W4A16", targets: ["Linear"]))
        #expect(config.kvCacheScheme?.strategy == .tensor)
        #expect(config.quantizationStatus == nil)
    }

    @Test func mistakesAreNamed() throws {
        func message(_ json: String) -> String? {
            do { _ = try Self.parse(json); return nil } catch let error as CompressedTensorsError {
                guard case let .invalidConfig(_, recipeError) = error else { return "\(error)" }
                return recipeError.message
            } catch { return "\(error)" }
        }
        #expect(message(#"{"format": "pack-quantized"}"#) == "invalid quantization scheme: quantization_config has no 'config_groups'")
        #expect(message(#"{"config_groups": {"g": {"targets": ["Linear"], "weights": {"num_bits": 4, "stratgy": "group"}}}}"#)
            == "unknown key 'stratgy' in weights of config group 'g'; did you mean 'strategy'?")
        #expect(message(#"{"config_groups": {"W4A61": ["Linear"]}}"#) == "unknown preset scheme 'W4A61'; did you mean 'W4A16'?")
        #expect(message(#"{"config_groups": {}, "quant_method": "gptq"}"#)
            == "invalid quant_method 'gptq' (expected one of: compressed-tensors)")
        #expect(message(#"{"config_groups": {}, "ignore": ["re:("]}"#)?.hasPrefix("invalid regular expression 're:('") == true)
        #expect(message(#"{"config_groups": {"g": {"targets": ["Linear"], "weights": {"num_bits": 4, "group_size": 0, "strategy": "group"}}}}"#)
            == "invalid quantization arguments: weights of config group 'g': strategy 'group' requires group_size to be set to a positive value")
    }

    @Test func unknownTopLevelKeysAreIgnoredAsCompressedTensorsIgnoresThem() throws {
        let config = try Self.parse(#"{"config_groups": {}, "provider": "x", "sparsity_config": {}}"#)
        #expect(config.configGroups.isEmpty)
    }
}
