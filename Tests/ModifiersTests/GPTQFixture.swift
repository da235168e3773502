import Checkpoint
import Foundation
import Recipes
import TestSupport

/// The reference cases of `Tests/Fixtures/gptq`, made by `scripts/make-gptq-reference.py` with
/// llm-compressor 0.14's own `accumulate_hessian` and `quantize_weight`.
struct GPTQFixture {
    struct Weight: Decodable, Sendable {
        let name: String
        let rows: Int
        let columns: Int
        let dtype: String
        let dead_columns: [Int]
        /// Tokens of each sample; the last entry is one batch of two samples of that length.
        let sample_tokens: [Int]
    }

    struct Case: Decodable, Sendable, CustomStringConvertible {
        let weight: String
        let key: String
        let num_bits: Int
        let symmetric: Bool
        let actorder: String?
        let strategy: String
        let group_size: Int?
        let block_size: Int
        let dampening_frac: Double
        let loss: Float
        let rtn_fallback: Bool

        var args: QuantizationArgs {
            QuantizationArgs(numBits: num_bits, type: .int, symmetric: symmetric, strategy: QuantizationStrategy(rawValue: strategy)!,
                             groupSize: group_size, observer: "memoryless_minmax", actorder: actorder,
                             zpDtype: "torch.int8")
        }

        var description: String {
            "\(weight)/\(key): \(num_bits)-bit \(symmetric ? "sym" : "asym") \(strategy)\(group_size.map { " \($0)" } ?? "") "
                + "actorder \(actorder ?? "none") block \(block_size) damp \(dampening_frac)"
        }
    }

    private struct Index: Decodable {
        let weights: [Weight]
        let cases: [Case]
    }

    static let shared = try! GPTQFixture()

    let weights: [String: Weight]
    let cases: [Case]
    private let files: [String: SafetensorsFile]

    private init() throws {
        let index = try JSONDecoder().decode(Index.self, from: Fixtures.data("gptq/cases.json"))
        weights = Dictionary(uniqueKeysWithValues: index.weights.map { ($0.name, $0) })
        cases = index.cases
        files = try Dictionary(uniqueKeysWithValues: index.weights.map {
            ($0.name, try SafetensorsFile(path: Fixtures.path("gptq/\($0.name).safetensors")))
        })
    }

    /// The stored tensor `name` of weight `weight`.
    func info(_ weight: String, _ name: String) -> TensorInfo { files[weight]!.info(name)! }

    /// A float tensor (bf16, f16 or f32) widened to floats.
    func floats(_ weight: String, _ name: String) -> [Float] {
        let tensor = info(weight, name)
        let data = files[weight]!.data(tensor)
        switch tensor.dtype {
        case .bf16: return data.bindMemory(to: UInt16.self).map(BF16.float)
        case .f16: return data.bindMemory(to: UInt16.self).map(F16.float)
        default: return Array(data.bindMemory(to: Float.self))
        }
    }

    /// An I8 tensor.
    func int8s(_ weight: String, _ name: String) -> [Int8] {
        Array(files[weight]!.data(info(weight, name)).bindMemory(to: Int8.self))
    }

    /// The raw bytes of a tensor.
    func bytes(_ weight: String, _ name: String) -> UnsafeRawBufferPointer { files[weight]!.data(info(weight, name)) }
}
