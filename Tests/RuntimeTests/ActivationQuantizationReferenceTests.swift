import Foundation
import JSON
@testable import Runtime
import Testing
import TestSupport

/// The inputs `eval` quantizes in groups (NVFP4, MXFP4, MXFP8) come out bit for bit as
/// compressed-tensors 0.19's `forward_quantize` gives them in float32
/// (`scripts/make-activation-quantization-reference.py`): values of many magnitudes, ties of the
/// FP4 grid and of the MX scale rounding, and an all-zero group.
@Suite struct ActivationQuantizationReferenceTests {
    static let quantizations: [(preset: String, grid: ActivationQuantization.Grid)] = [("NVFP4", .fp4), ("MXFP4", .fp4), ("MXFP8", .fp8)]

    @Test(arguments: quantizations.map(\.preset))
    func inputsEqualCompressedTensors(_ preset: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("activation-quantization-reference.json")))
        let root = try data.withUnsafeBytes { try JSONParser.parse($0) }
        let rows = try #require(root["rows"]?.integerValue), columns = try #require(root["columns"]?.integerValue)
        let entry = try #require(root["presets"]?[preset])
        func floats(_ value: JSONValue?) throws -> [Float] { try #require(value?.arrayValue).map { Float($0.numberValue!) } }
        let grid = Self.quantizations.first { $0.preset == preset }!.grid
        let quantization = ActivationQuantization(
            grid: grid, scale: entry["global_scale"]?.numberValue.map { .nvfp4(global: Float($0)) } ?? .mx)
        var x = try floats(root["input"])
        x.withUnsafeMutableBufferPointer { quantization.apply($0.baseAddress!, rows: Int(rows), columns: Int(columns)) }
        let expected = try floats(entry["output"])
        let differing = zip(x, expected).enumerated().filter { $0.element.0 != $0.element.1 }
        #expect(differing.isEmpty, "\(preset): \(differing.count) of \(x.count) differ, first \(differing.prefix(4).map { "#\($0.offset): \($0.element.0) vs \($0.element.1)" })")
    }
}
