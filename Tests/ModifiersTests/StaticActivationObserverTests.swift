import Checkpoint
import Foundation
import JSON
@testable import Modifiers
import Recipes
import Testing
import TestSupport

/// llm-compressor 0.14's MSE observers on static input activations and the KV cache (`mse`: a
/// moving average of each sample's searched range; `memoryless_mse`: the last sample's), against
/// its outputs on the calibration model (`scripts/make-activation-observer-references.py`): scales
/// within 1%, zero points within one step, the same quantization_config and tensors.
@Suite struct StaticActivationObserverTests {
    static let fixture = "activation-observer-reference.json"

    @Test(arguments: [
        ("fp8_inputs_kv_mse", 18), ("fp8_inputs_kv_memoryless_mse_kwargs", 18), ("int8_inputs_mse", 14),
        ("int8_asymmetric_inputs_memoryless_mse", 32),
    ])
    func scalesMatchLlmCompressor(_ name: String, scales: Int) throws {
        let reference = try ActivationFormsTests.Reference(Self.fixture)
        let folder = try StaticActivationTests.compress(reference.recipe(name), samples: StaticActivationTests.Reference().samples)
        try ActivationFormsTests.expectSameConfigAndTensors(name, reference: reference, output: folder.file("out"))
        let compared = try ActivationFormsTests.compareScales(name, suffixes: ["input_scale", "input_zero_point", "k_scale", "v_scale"],
                                                              reference: reference, output: folder.file("out"))
        #expect(compared == scales)
    }

    /// The searches change the scales: the int8 inputs' MSE scales are min-max's or smaller, some
    /// by more than the tolerance.
    @Test func theSearchShrinksIntegerInputRanges() throws {
        let reference = try ActivationFormsTests.Reference(Self.fixture)
        let yaml = reference.recipes["int8_inputs_mse"]!["recipe"] as! String
        let samples = try StaticActivationTests.Reference().samples
        let searchedRun = try StaticActivationTests.compress(reference.recipe("int8_inputs_mse"), samples: samples)
        let searched = try TensorReader(directory: searchedRun.file("out"))
        // The same moving average (averaging_constant 0.3) of each sample's plain range.
        let minMax = try Recipe.parse(yaml: yaml.replacingOccurrences(of: "observer: mse", with: "observer: minmax"), file: "minmax")
        let plainRun = try StaticActivationTests.compress(minMax, samples: samples)
        let plain = try TensorReader(directory: plainRun.file("out"))
        let names = searched.names.filter { $0.hasSuffix("input_scale") }
        let shrunk = try names.filter { try searched.floats($0)[0] < 0.99 * plain.floats($0)[0] }
        #expect(!shrunk.isEmpty)
        #expect(try names.allSatisfy { try searched.floats($0)[0] <= plain.floats($0)[0] })
    }

    /// Per head, each head's range is the one its own columns alone give (the heads searched
    /// together stop only when none improves, so a long patience makes them independent).
    @Test func perHeadSearchesSearchEachHeadOnItsColumns() throws {
        var args = QuantizationArgs(numBits: 8, type: .int, symmetric: true, strategy: .attnHead)
        args.observer = "memoryless_mse"
        args.observerKwargs = JSONObject([("patience", .integer(1000))])
        let search = try #require(try ActivationSearch(args: args, what: "test", threads: 2))
        var random = SeededRandom(seed: 7)
        let rows = 5, heads = 3, part = 8, stride = heads * part + 2
        var values = (0..<rows * stride).map { _ in Float.random(in: -1...1, using: &random) }
        values[2 * stride + part + 3] = 9  // an outlier in head 1
        let together = try search.ranges(values, rows: rows, width: heads * part, stride: stride, heads: heads, name: "t")
        for h in 0..<heads {
            let alone = try search.ranges(Array(values[(h * part)...]), rows: rows, width: part, stride: stride, heads: 1, name: "t")
            #expect(together.minimum[h] == alone.minimum[0] && together.maximum[h] == alone.maximum[0], "head \(h)")
        }
        #expect(together.maximum[1] != together.maximum[0])
    }

    /// Observers the port cannot run on activations are refused when the plan is made, at the
    /// modifier's FILE:LINE:COLUMN: the imatrix ones (they weigh a weight's input channels) and a
    /// search on NVFP4's global input scale (channel groups).
    @Test(arguments: [
        ("config_groups: {group_0: {targets: [Linear], weights: {num_bits: 8, type: float, strategy: channel}, input_activations: {num_bits: 8, type: float, strategy: tensor, dynamic: false, observer: imatrix_mse}}}", "activation observer 'imatrix_mse' is not supported"),
        ("scheme: FP8_DYNAMIC\n  kv_cache_scheme: {num_bits: 8, type: float, strategy: tensor, dynamic: false, observer: nvfp4_expanded_imatrix}", "activation observer 'nvfp4_expanded_imatrix' is not supported"),
        ("config_groups: {group_0: {targets: [Linear], weights: {num_bits: 4, type: float, strategy: tensor_group, group_size: 16}, input_activations: {num_bits: 4, type: float, strategy: tensor_group, group_size: 16, dynamic: local, observer: mse}}}", "activation observer 'mse' is not supported for strategy tensor_group"),
        ("config_groups: {group_0: {targets: [Linear], weights: {num_bits: 8, type: float, strategy: channel}, input_activations: {num_bits: 8, type: float, strategy: tensor, dynamic: false, observer: mse, observer_kwargs: {grid: 0}}}}", "observer_kwargs.grid must be a non-zero finite number"),
    ])
    func unrunnableActivationObserversAreRefusedAtTheModifier(scheme: String, message: String) throws {
        let recipe = try Recipe.parse(yaml: "\nQuantizationModifier:\n  ignore: [lm_head]\n  \(scheme)\n", file: "act.yaml")
        #expect {
            _ = try OneshotPlan(model: Fixtures.path("tiny-llama"), recipe: recipe)
        } throws: { error in
            "\(error)".hasPrefix("act.yaml:2:1: config group ") && "\(error)".contains(message)
        }
    }
}
