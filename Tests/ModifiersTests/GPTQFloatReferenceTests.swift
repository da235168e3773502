import Checkpoint
import Foundation
@testable import Modifiers
import Recipes
import Testing
import TestSupport

/// GPTQ with float weights against llm-compressor 0.14's `quantize_weight` on the weights and
/// Hessians of `Tests/Fixtures/gptq` (`Tests/Fixtures/gptq-float`, made by
/// `scripts/make-gptq-float-reference.py`): FP8 per channel, tensor and block (8×32 and
/// FP8_BLOCK's 128×128), NVFP4 (its global scale over the weight alone, or fused with a sibling
/// as q/k/v are), MXFP4 and MXFP8, without and with activation ordering, over bf16/f16/f32 weights.
@Suite struct GPTQFloatReferenceTests {
    struct Args: Decodable, Sendable {
        let num_bits: Int
        let strategy: String
        let block_structure: [Int]?
        let actorder: String?
    }

    struct Case: Decodable, Sendable, CustomStringConvertible {
        let weight: String
        let key: String
        let label: String
        let args: Args
        let block_size: Int
        let dampening_frac: Double
        let sibling_factor: Float?
        let loss: Float
        let rtn_fallback: Bool

        var description: String { "\(weight)/\(key): \(label) actorder \(args.actorder ?? "none") block \(block_size)" }
        var isFP4: Bool { args.num_bits == 4 }

        /// The data-free quantizer of the case's format, which GPTQ writes through.
        var quantizer: any WeightQuantizer {
            if label.hasPrefix("nvfp4") { return NVFP4Quantizer() }
            if label.hasPrefix("mxfp4") { return MXQuantizer(element: .fp4) }
            if label.hasPrefix("mxfp8") { return MXQuantizer(element: .fp8) }
            if let block = args.block_structure { return FP8BlockQuantizer(blockRows: block[0], blockColumns: block[1]) }
            return FP8Quantizer(granularity: args.strategy == "channel" ? .channel : .tensor)
        }
    }

    private struct Index: Decodable { let cases: [Case] }

    static let cases = try! JSONDecoder().decode(Index.self, from: Fixtures.data("gptq-float/cases.json")).cases
    static let references = try! Dictionary(uniqueKeysWithValues: ["A", "B", "C"].map {
        ($0, try SafetensorsFile(path: Fixtures.path("gptq-float/\($0).safetensors")))
    })
    static let fixture = GPTQFixture.shared

    static func reference(_ c: Case, _ name: String) -> UnsafeRawBufferPointer {
        let file = references[c.weight]!
        return file.data(file.info(c.key + "." + name)!)
    }

    static func rounded(_ value: Float, _ dtype: DType) -> Float {
        switch dtype {
        case .bf16: return BF16.float(BF16.bits(value))
        case .f16: return F16.float(F16.bits(value))
        default: return value
        }
    }

    static func solve(_ c: Case) throws -> GPTQResult {
        let tensor = fixture.info(c.weight, "weight")
        let weight = fixture.floats(c.weight, "weight")
        var context = QuantizationContext.none
        if let factor = c.sibling_factor {
            // The sibling holds `factor × weight` in the weight's dtype; the group's magnitude is the larger.
            context.groupAbsmax = weight.reduce(0) { max($0, abs($1), abs(rounded($1 * factor, tensor.dtype))) }
        }
        let args = QuantizationArgs(numBits: c.args.num_bits, type: .float, symmetric: true, strategy: .channel, actorder: c.args.actorder)
        return try weight.withUnsafeBufferPointer { (values) throws(ModifierError) in
            try GPTQSolver.quantize(weight: values, tensor: tensor, hessian: fixture.floats(c.weight, "hessian"), args: args,
                                    quantizer: c.quantizer, context: context, blockSize: c.block_size,
                                    dampeningFrac: c.dampening_frac, threads: 2)
        }
    }

    /// Each value's position on its element grid, sign included: FP8 codes as they order
    /// magnitudes, FP4 values doubled (the reference's form), so that one step is a difference of 1
    /// (FP4's 3 to 4 and 4 to 6 steps are 2 and 4 doubled: mapped to their ranks).
    static func steps(_ result: GPTQResult, _ c: Case) -> [Int] {
        if c.isFP4 {
            return result.outputs[0].flatMap { [fp4Rank($0 & 0xF), fp4Rank($0 >> 4)] }
        }
        return result.outputs[0].map(fp8Rank)
    }

    static func referenceSteps(_ c: Case) -> [Int] {
        let bytes = reference(c, "codes")
        if c.isFP4 {
            let ranks: [Int8: Int] = [0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 6: 5, 8: 6, 12: 7]
            return bytes.map { b in let v = Int8(bitPattern: b); return (v < 0 ? -1 : 1) * ranks[abs(v)]! }
        }
        return bytes.map(fp8Rank)
    }

    static func fp4Rank(_ nibble: UInt8) -> Int { (nibble & 0x8 != 0 ? -1 : 1) * Int(nibble & 0x7) }
    static func fp8Rank(_ code: UInt8) -> Int { (code & 0x80 != 0 ? -1 : 1) * Int(code & 0x7F) }

    @Test(arguments: cases)
    func codesAndScalesMatch(_ c: Case) throws {
        let result = try Self.solve(c)
        let ours = Self.steps(result, c), theirs = Self.referenceSteps(c)
        #expect(ours.count == theirs.count)
        // As for integer GPTQ: OpenBLAS rounds the propagated errors differently for different
        // thread counts; allow one-step flips on at most 1 in 1,000 values.
        let differing = zip(ours, theirs).filter { $0 != $1 }
        #expect(differing.allSatisfy { abs($0 - $1) == 1 }, "\(differing)")
        #expect(differing.count <= theirs.count / 1_000, "\(differing.count) of \(theirs.count) values differ")

        let referenceScales = Array(Self.reference(c, "scale").bindMemory(to: Float.self))
        let scales: [Float]
        if c.label.hasPrefix("nvfp4") {
            scales = result.outputs[1].map(FP8E4M3.decode)
            let global = result.outputs[2].withUnsafeBytes { Float(bitPattern: $0.loadUnaligned(as: UInt32.self)) }
            #expect(global == Self.reference(c, "global_scale").loadUnaligned(as: Float.self))
        } else if c.label.hasPrefix("mxfp") {
            scales = result.outputs[1].map(E8M0.decode)
        } else {
            scales = result.outputs[1].withUnsafeBytes { bytes in
                switch result.tensor.dtype {
                case .bf16: return bytes.bindMemory(to: UInt16.self).map(BF16.float)
                case .f16: return bytes.bindMemory(to: UInt16.self).map(F16.float)
                default: return Array(bytes.bindMemory(to: Float.self))
                }
            }
        }
        #expect(scales == referenceScales)
        #expect(abs(result.loss - c.loss) <= 1e-4 * c.loss, "loss \(result.loss) vs \(c.loss)")
        #expect(result.usedFallback == c.rtn_fallback)
    }

    /// GPTQ's point, for float grids too: a lower output error `Σ (W - Q) H (W - Q)ᵀ` than round
    /// to nearest with the same scales.
    @Test(arguments: cases)
    func lowerErrorThanRoundToNearest(_ c: Case) throws {
        let tensor = Self.fixture.info(c.weight, "weight")
        let rows = tensor.shape[0], columns = tensor.shape[1]
        let original = Self.fixture.floats(c.weight, "weight"), hessian = Self.fixture.floats(c.weight, "hessian")
        var context = QuantizationContext.none
        if let factor = c.sibling_factor {
            context.groupAbsmax = original.reduce(0) { max($0, abs($1), abs(Self.rounded($1 * factor, tensor.dtype))) }
        }
        let rtn = try (c.quantizer as! any FreezingWeightQuantizer).roundTrip(original, weight: tensor, threads: 2, context: context)
        func error(_ q: [Float]) -> Double {
            var total = 0.0
            for r in 0..<rows {
                let d = (0..<columns).map { Double(original[r * columns + $0] - q[r * columns + $0]) }
                for i in 0..<columns { for j in 0..<columns { total += d[i] * Double(hessian[i * columns + j]) * d[j] } }
            }
            return total
        }
        #expect(error(try Self.solve(c).weight) < error(rtn))
    }
}
