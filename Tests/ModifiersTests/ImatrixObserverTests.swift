import Checkpoint
import Foundation
import JSON
@testable import Modifiers
import Recipes
import Testing
import TestSupport

/// The imatrix weight observers (`imatrix_mse`, `nvfp4_expanded_imatrix`): alone, on the same
/// inputs, they give llm-compressor 0.14's tensors byte for byte; in the layer-by-layer pipeline,
/// whose activations our f32 runtime computes where torch rounds to bf16, nearly all codes and
/// scales agree. References: `scripts/make-imatrix-references.py`.
@Suite struct ImatrixObserverTests {
    static let observerCases = ["W4_G64", "W4_ASYM_G128_KWARGS", "W8_CHANNEL", "FP8_CHANNEL", "NVFP4_EXPANDED", "NVFP4_KWARGS"]

    static func json(_ name: String) throws -> JSONValue {
        try JSONParser.parse(String(decoding: Fixtures.data("imatrix/\(name).json"), as: UTF8.self))
    }

    /// The scheme of a recipe's first config group whose weights are `weights` (a YAML flow mapping).
    static func scheme(weights: String) throws -> QuantizationScheme {
        let yaml = "QuantizationModifier:\n  config_groups:\n    group_0:\n      targets: [Linear]\n      weights: \(weights)\n"
        guard case let .quantization(spec) = try Recipe.parse(yaml: yaml, file: "case.yaml").modifiers[0] else {
            throw CocoaError(.coderInvalidValue)
        }
        return spec.configGroups[0].scheme
    }

    /// How many of the `size`-byte elements of `a` and `b` are equal, and how many there are.
    static func agreement(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, size: Int) -> (equal: Int, count: Int) {
        guard a.count == b.count else { return (0, max(a.count, b.count) / size) }
        var equal = 0
        for i in stride(from: 0, to: a.count, by: size) where (0..<size).allSatisfy({ a[i + $0] == b[i + $0] }) { equal += 1 }
        return (equal, a.count / size)
    }

    /// Of two packed 4-bit code tensors: how many codes are equal, and how many there are.
    static func nibbleAgreement(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> (equal: Int, count: Int) {
        guard a.count == b.count else { return (0, 2 * max(a.count, b.count)) }
        var equal = 0
        for i in 0..<a.count {
            if a[i] & 0x0F == b[i] & 0x0F { equal += 1 }
            if a[i] >> 4 == b[i] >> 4 { equal += 1 }
        }
        return (equal, 2 * a.count)
    }

    @Test(arguments: observerCases)
    func observerMatchesLlmCompressor(_ name: String) throws {
        let meta = try Self.json("observer")
        let weights = try #require(meta["cases"]?[name]?["weights"]?.stringValue)
        let (quantizer, layout) = try QuantizerFactory.make(group: "group_0", scheme: try Self.scheme(weights: weights), position: "case.yaml:1:1")
        let reference = try SafetensorsFile(path: Fixtures.path("imatrix/observer.safetensors"))
        let model = try SafetensorsFile(path: Fixtures.path("tiny-llama/model.safetensors"))
        let tokens = try #require(meta["tokens"]?.arrayValue?.compactMap { $0.integerValue.map(Int.init) })
        let layers = try #require(meta["layers"]?.arrayValue).compactMap(\.stringValue)
        for layer in layers {
            let weight = try #require(model.info(layer + ".weight"))
            let sums = SquareSums(dtype: weight.dtype, keepsSamples: false)
            for sample in tokens.indices {
                let input = try #require(reference.info("act.\(weight.shape[1]).\(sample)"))
                let values = reference.data(input).bindMemory(to: UInt16.self).map(BF16.float)
                #expect(values.count == tokens[sample] * weight.shape[1])
                sums.add(values, rows: tokens[sample], width: weight.shape[1], stride: weight.shape[1])
            }
            let importance = sums.importance
            #expect(importance != nil)
            let context = QuantizationContext(importance: importance)
            var emitted: [[UInt8]] = []
            try quantizer.quantize(weight: weight, data: model.data(weight), threads: 3, context: context) { emitted.append(Array($0)) }
            let names = layout.tensors(module: layer, weight: weight).map(\.name)
            #expect(emitted.count == names.count)
            for (output, bytes) in zip(names, emitted) {
                let expected = try #require(reference.info("\(name).\(output)"), "\(output)")
                let size = expected.dtype.bitWidth / 8
                let (equal, count) = bytes.withUnsafeBytes { Self.agreement($0, reference.data(expected), size: size) }
                #expect(equal == count, "\(name) \(output): \(equal) of \(count) equal")
            }
        }
    }

    @Test(arguments: ["W4A16_G32_IMATRIX", "NVFP4A16_EXPANDED_IMATRIX"])
    func pipelineAgreesWithLlmCompressor(_ name: String) throws {
        let meta = try Self.json("pipeline")
        let samples = try #require(meta["samples"]?.arrayValue).map { $0.arrayValue?.compactMap { $0.integerValue.map(Int.init) } ?? [] }
        let recipe = try Recipe.parse(yaml: try #require(meta["recipes"]?[name]?.stringValue), file: "\(name).yaml")
        let folder = TemporaryFolder("imatrix")
        try Compressor.run(model: Fixtures.path("models/llama_calib"), recipe: recipe, output: folder.file("out"),
                           options: OneshotOptions(threads: 2, calibration: CalibrationInput(samples: samples)))
        let output = try Checkpoint(directory: folder.file("out"))
        let reference = try SafetensorsFile(path: Fixtures.path("imatrix/pipeline.safetensors"))
        var codes = (equal: 0, count: 0), scales = (equal: 0, count: 0)
        for expected in reference.tensors where expected.name.hasPrefix(name + ".") {
            let tensorName = String(expected.name.dropFirst(name.count + 1))
            let produced = try #require(output.tensors.first { $0.name == tensorName }, "\(tensorName)")
            let agreement: (equal: Int, count: Int) = tensorName.hasSuffix("weight_packed")
                ? Self.nibbleAgreement(output.data(produced), reference.data(expected))
                : Self.agreement(output.data(produced), reference.data(expected), size: expected.dtype.bitWidth / 8)
            if tensorName.hasSuffix("weight_packed") {
                codes = (codes.equal + agreement.equal, codes.count + agreement.count)
            } else if tensorName.hasSuffix("_scale") {
                scales = (scales.equal + agreement.equal, scales.count + agreement.count)
            } else {
                #expect(agreement.equal == agreement.count, "\(tensorName)")
            }
        }
        print("\(name): codes \(codes.equal)/\(codes.count), scales \(scales.equal)/\(scales.count) equal to llm-compressor's")
        #expect(codes.count > 0 && scales.count > 0)
        // Measured: W4A16 13 codes of 294,912 and 3 scales of 9,216 differ; NVFP4A16 69 codes, 11 of 18,446 scales.
        #expect(Double(codes.equal) >= 0.999 * Double(codes.count), "codes \(codes.equal) of \(codes.count)")
        #expect(Double(scales.equal) >= 0.995 * Double(scales.count), "scales \(scales.equal) of \(scales.count)")
    }

    /// Without calibration data the plan fails naming the modifier and what needs the data, as
    /// llm-compressor requires calibration data for these observers.
    @Test(arguments: [("W4A16", "imatrix_mse"), ("NVFP4A16", "nvfp4_expanded_imatrix")])
    func dataFreeUseIsRefused(scheme: String, observer: String) throws {
        let yaml = "\nQuantizationModifier:\n  targets: [Linear]\n  ignore: [lm_head]\n  scheme: \(scheme)\n  weight_observer: \(observer)\n"
        let folder = TemporaryFolder("imatrix")
        let recipe = try Recipe.parse(yaml: yaml, file: "imx.yaml")
        do {
            try Compressor.run(model: Fixtures.path("tiny-llama"), recipe: recipe, output: folder.file("out"), options: OneshotOptions(threads: 2))
            Issue.record("\(observer) ran without calibration data")
        } catch {
            guard case .needsCalibration = error else { Issue.record("\(error)"); return }
            #expect(error.description.contains("QuantizationModifier at imx.yaml:2:1"), "\(error)")
            #expect(error.description.contains("weight observer '\(observer)' in config group 'group_0'"), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.file("out")))
    }

    /// What llm-compressor does not weigh (one scale per tensor) or refuses (its kwargs checks) is
    /// refused at the modifier's FILE:LINE:COLUMN.
    @Test(arguments: [
        ("{num_bits: 8, type: int, symmetric: true, strategy: tensor, observer: imatrix_mse}", "one scale per tensor"),
        ("{num_bits: 4, type: int, strategy: group, group_size: 32, observer: imatrix_mse, observer_kwargs: {maxshrink: 1.5}}", "maxshrink must be in [0, 1]"),
        ("{num_bits: 4, type: int, strategy: group, group_size: 32, observer: imatrix_mse, observer_kwargs: {grid: 0}}", "grid must be > 0"),
        ("{num_bits: 4, type: int, strategy: group, group_size: 32, observer: imatrix_mse, observer_kwargs: {norm: -1}}", "norm must be a finite positive number"),
        ("{num_bits: 8, type: float, strategy: block, block_structure: [128, 128], observer: nvfp4_expanded_imatrix}", "not supported for FP8 block weights"),
    ])
    func unrunnableSettingsAreRefused(weights: String, reason: String) throws {
        let yaml = "\nQuantizationModifier:\n  ignore: [lm_head]\n  config_groups:\n    group_0:\n      targets: [Linear]\n      weights: \(weights)\n"
        let recipe = try Recipe.parse(yaml: yaml, file: "imx.yaml")
        do {
            _ = try OneshotPlan(model: Fixtures.path("tiny-llama"), recipe: recipe)
            Issue.record("\(weights) was accepted")
        } catch {
            #expect(error.description.hasPrefix("imx.yaml:2:1: config group 'group_0': weight observer"), "\(error)")
            #expect(error.description.contains(reason), "\(error)")
        }
    }
}
