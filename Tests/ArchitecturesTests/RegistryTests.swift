import Architectures
import Foundation
import Modifiers
import Recipes
import Runtime
import Testing
import TestSupport

/// One table of model families: every part that knows a `model_type` (the planner's routers,
/// the runtime's models, the default mappings, `verify`'s module kinds) reads it from
/// `ArchitectureRegistry`, and nothing outside `Sources/Architectures` carries a list of its own.
@Suite struct RegistryTests {
    /// Every model folder among the fixtures, with its config.json's `model_type` and class.
    /// The bf16 fixture models (quantized inputs, which only `oneshot` and `convert` read, left out).
    static let fixtureModels: [(folder: String, modelType: String, className: String)] = {
        let root = Fixtures.path("models")
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: root).sorted()) ?? []
        return folders.compactMap { folder in
            guard let data = FileManager.default.contents(atPath: "\(root)/\(folder)/config.json"),
                  let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  json["quantization_config"] == nil,
                  let modelType = json["model_type"] as? String, let className = (json["architectures"] as? [String])?.first
            else { return nil }
            return ("models/\(folder)", modelType, className)
        }
    }()

    @Test func theFixturesCoverEveryFamily() {
        #expect(Set(Self.fixtureModels.map(\.modelType)) == Set(ArchitectureRegistry.modelTypes))
    }

    /// A model_type or class covered twice would make the table ambiguous.
    @Test func eachModelTypeAndClassBelongsToOneFamily() {
        let types = ArchitectureRegistry.families.flatMap(\.modelTypes)
        let classes = ArchitectureRegistry.families.flatMap(\.classNames)
        #expect(Set(types).count == types.count)
        #expect(Set(classes).count == classes.count)
        #expect(Set(ArchitectureRegistry.families.map(\.name)).count == ArchitectureRegistry.families.count)
    }

    /// The runtime runs exactly the registry's families and names them when refusing another.
    @Test func theRuntimeRunsExactlyTheRegistrysFamilies() throws {
        let folder = TemporaryFolder("registry-unknown")
        try FileManager.default.copyItem(atPath: Fixtures.path("tiny-llama/model.safetensors"), toPath: folder.file("model.safetensors"))
        try folder.write("config.json", text: #"{"model_type": "falcon", "hidden_size": 4}"#)
        do {
            _ = try DecoderModel(directory: folder.path)
            Issue.record("an unknown model_type loaded")
        } catch let RuntimeError.unsupportedArchitecture(modelType, supported) {
            #expect(modelType == "falcon")
            #expect(supported == ArchitectureRegistry.modelTypes)
        }
    }

    /// The planner, the runtime and llm-compressor's default mappings pick the same family for
    /// every fixture model, by its model_type and by its class.
    @Test(arguments: fixtureModels.map(\.folder))
    func everyPartReadsTheSameFamily(folder: String) throws {
        let fixture = try #require(Self.fixtureModels.first { $0.folder == folder })
        let family = try #require(ArchitectureRegistry.family(modelType: fixture.modelType))
        #expect(ArchitectureRegistry.family(className: fixture.className)?.name == family.name)
        #expect(ArchitectureRegistry.defaultMappings(className: fixture.className) == family.defaultMappings)

        let recipe = try Recipe.parse(yaml: "QuantizationModifier:\n  targets: [Linear]\n  scheme: FP8_DYNAMIC\n  ignore: [lm_head]\n", file: "r.yaml")
        let plan = try OneshotPlan(model: Fixtures.path(folder), recipe: recipe)
        #expect(plan.quantization.architecture.name == family.name)
        let model = try DecoderModel(directory: Fixtures.path(folder))
        #expect(model.spec.architecture.name == family.name)
    }

    /// Nothing outside Sources/Architectures spells a family's model_type or class as a string
    /// literal: a second table of architectures cannot hide there.
    @Test func noOtherSourceNamesAFamily() throws {
        let sources = Fixtures.repositoryRoot + "/Sources"
        let names = ArchitectureRegistry.families.flatMap { $0.modelTypes + $0.classNames }.map { "\"\($0)\"" }
        var found: [String] = []
        let files = FileManager.default.enumerator(atPath: sources)?.compactMap { $0 as? String } ?? []
        for file in files where file.hasSuffix(".swift") && !file.hasPrefix("Architectures/") {
            let text = try String(contentsOfFile: sources + "/" + file, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.trimmingCharacters(in: .whitespaces)
                guard !code.hasPrefix("//") else { continue }
                for name in names where code.contains(name) { found.append("Sources/\(file):\(number + 1): \(name)") }
            }
        }
        #expect(!files.isEmpty)
        #expect(found.isEmpty, "\(found)")
    }

    /// The modules inside an attention module, as narrow matching sees them: each once, its kind
    /// told by its weight even when its bias comes first; the module's own tensors are not children.
    @Test func submodulesAreTheModulesInsideWithTheirWeightsKind() {
        let attention = "model.layers.0.self_attn"
        let tensors: [(name: String, shape: [Int])] = [
            (attention + ".k_scale", [1]), (attention + ".q_proj.bias", [64]), (attention + ".q_proj.weight", [64, 32]),
            (attention + ".q_norm.weight", [16]), ("model.layers.0.self_attn_extra.weight", [8, 8]), ("model.layers.0.mlp.up_proj.weight", [8, 32]),
        ]
        let children = Architecture.generic.submodules(of: attention, tensors: tensors)
        #expect(children.map(\.name) == [attention + ".q_proj", attention + ".q_norm"])
        #expect(children.map(\.className) == ["Linear", "RMSNorm"])
    }

    /// A model_type no family covers gets llm-compressor's rules for any model.
    @Test func anUnknownModelTypeGetsTheGenericRules() {
        let generic = ArchitectureRegistry.architecture(modelType: "falcon")
        #expect(generic.name == Architecture.generic.name)
        #expect(ArchitectureRegistry.architecture(modelType: nil).name == Architecture.generic.name)
        #expect(generic.fusedGroups == [["gate_proj", "up_proj"], ["q_proj", "k_proj", "v_proj"], ["q_a_proj", "kv_a_proj_with_mqa"], ["w1", "w3"]])
        #expect(generic.kind(ofModule: "model.layers.0.mlp.gate", parameterShape: [8, 32]) == .linear)
        #expect(generic.kind(ofModule: "transformer.wte", parameterShape: [64, 32]) == .embedding)
        #expect(generic.kind(ofModule: "transformer.h.0.ln_1", parameterShape: [32]) == .norm)
        #expect(generic.kind(ofModule: "model.layers.0.mlp.bias_only", parameterShape: [32]) == .other)
        // Classes llm-compressor has mappings of its own for, not carried here, have none.
        #expect(ArchitectureRegistry.defaultMappings(className: "BloomForCausalLM").smoothQuant == nil)
        #expect(ArchitectureRegistry.defaultMappings(className: "Gemma3ForCausalLM").awq == nil)
        #expect(ArchitectureRegistry.defaultMappings(className: "Gemma3ForCausalLM").smoothQuant == DefaultMappings.llmCompressorDefault.smoothQuant)
        #expect(ArchitectureRegistry.defaultMappings(className: "X") == .llmCompressorDefault)
    }
}
