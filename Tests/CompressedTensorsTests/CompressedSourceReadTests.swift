import Checkpoint
@testable import CompressedTensors
import Foundation
import Modifiers
import Recipes
import Testing
import TestSupport

/// A compressed-tensors input is checked module by module when it is opened (shapes, scales, zero
/// points), its codes read only when its dequantized weight is.
@Suite struct CompressedSourceReadTests {
    /// Counts the reads of the tensors it serves.
    final class ReadCounter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func add() { lock.withLock { count += 1 } }
        var reads: Int { lock.withLock { count } }
    }

    @Test func openingReadsNoCodes() throws {
        let folder = TemporaryFolder("compressed-source-reads")
        let recipe = try Recipe.parse(yaml: "QuantizationModifier:\n  targets: [Linear]\n  scheme: W4A16_ASYM\n  ignore: [lm_head]\n", file: "r.yaml")
        try Compressor.run(model: Fixtures.path("models/llama"), recipe: recipe, output: folder.file("w4"))
        let stored = try Checkpoint(directory: folder.file("w4"))
        // The same checkpoint with each weight_packed served through a counter.
        let counter = ReadCounter()
        let entries: [DerivedTensor.Entry] = stored.tensors.map { tensor in
            guard tensor.name.hasSuffix(".weight_packed") else { return .stored(tensor) }
            return .derived(DerivedTensor(name: tensor.name, dtype: tensor.info.dtype, shape: tensor.info.shape, sources: [tensor]) { out, _ in
                counter.add()
                out.copyMemory(from: stored.data(tensor))
            })
        }
        let counted = try Checkpoint(deriving: stored, config: stored.config, tensors: entries)
        let config = try CompressedTensorsConfig(json: try #require(stored.config?.json["quantization_config"]), file: "config.json")
        let dequantized = try CompressedSource(config: config, file: "config.json").entries(of: counted)
        #expect(counter.reads == 0)
        // Reading one dequantized weight reads its codes once.
        guard case let .derived(weight) = try #require(dequantized.first { if case .derived = $0 { true } else { false } }) else { return }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: weight.info.byteCount, alignment: 16)
        defer { buffer.deallocate() }
        weight.compute(buffer, 1)
        #expect(counter.reads == 1)
    }
}
