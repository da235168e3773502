import Checkpoint
import Foundation
@testable import Modifiers
import Recipes
import Testing
import TestSupport

/// Calibration split over ranks (threads meeting in memory, `ThreadRanks`, standing in for MPI
/// ranks) against one process on the calibration test model, and the deterministic pieces it
/// is made of: the samples' split, the owners of GPTQ layers, observers replayed from parts,
/// Hessians combined from parts.
@Suite struct DistributedCalibrationTests {
    // MARK: the pieces

    @Test func samplesSplitIntoContiguousPartsBalancedByTokens() throws {
        let lengths = [10, 10, 10, 10, 40, 10, 10]
        let bounds = try SampleSplit.bounds(lengths: lengths, ranks: 3)
        #expect(bounds == [0, 4, 5, 7])
        for ranks in 1...7 {
            let b = try SampleSplit.bounds(lengths: lengths, ranks: ranks)
            #expect(b.first == 0 && b.last == lengths.count && b.count == ranks + 1)
            #expect(zip(b, b.dropFirst()).allSatisfy { $0 < $1 }, "every rank gets a sample: \(b)")
        }
        #expect(throws: ModifierError.self) { try SampleSplit.bounds(lengths: [5, 5], ranks: 3) }
    }

    @Test func solverOwnersBalanceHessianSizes() {
        // One SmolLM2-like block: q, k, v, o, gate, up on 576 columns, down on 1536.
        let costs = [576, 576, 576, 576, 576, 576, 1536].map { $0 * $0 }
        for ranks in 1...4 {
            let owners = SolverOwners.assign(costs: costs, ranks: ranks)
            #expect(owners.allSatisfy { (0..<ranks).contains($0) })
            var load = [Int](repeating: 0, count: ranks)
            for (i, owner) in owners.enumerated() { load[owner] += costs[i] }
            // Greedy largest-first: no rank exceeds the mean by more than the largest layer.
            let mean = costs.reduce(0, +) / ranks
            #expect(load.max()! <= mean + costs.max()!, "\(ranks) ranks: \(load)")
            #expect(SolverOwners.assign(costs: costs, ranks: ranks) == owners)
        }
        #expect(SolverOwners.assign(costs: costs, ranks: 2) == [1, 1, 1, 1, 1, 1, 0])
    }

    @Test func observersReplayedFromPartsEqualOneProcess() throws {
        var seed: UInt32 = 7
        let samples = (0..<50).map { _ -> (Float, Float) in
            seed = seed &* 1_664_525 &+ 1_013_904_223
            let a = Float(seed >> 8) / Float(1 << 24) * 8 - 4
            return (min(a, 0) - 1, max(a, 0) + 1)
        }
        for observer in ["minmax", "static_minmax", "memoryless_minmax"] {
            let template = try RangeObserver(args: QuantizationArgs(numBits: 8, type: .float, strategy: .tensor, observer: observer), what: "test")
            var whole = template
            for (lo, hi) in samples { whole.observe(min: lo, max: hi) }
            var parts: [[Float]] = []
            for range in [0..<17, 17..<18, 18..<50] {
                var part = template
                for (lo, hi) in samples[range] { part.observe(min: lo, max: hi) }
                parts.append(part.observations)
            }
            let replayed = template.replaying(parts)
            #expect(replayed.minimum == whole.minimum && replayed.maximum == whole.maximum, "\(observer)")
        }
    }

    @Test func hessianFromPartsIsTheMeanWeightedBySamples() throws {
        let columns = 24
        var seed = 3
        func rows(_ count: Int) -> [Float] {
            (0..<(count * columns)).map { _ in
                seed = (seed &* 1_103_515_245 &+ 12345) & 0x7FFF_FFFF
                return Float(seed % 2001 - 1000) / 500
            }
        }
        // Three parts of 1, 3 and 2 samples, of various lengths.
        let parts = [[rows(5)], [rows(2), rows(7), rows(1)], [rows(4), rows(3)]]
        var whole = HessianAccumulator(columns: columns)
        var packed: [[Double]] = []
        var counts: [Int] = []
        var partHessians: [[Float]] = []
        for part in parts {
            var accumulator = HessianAccumulator(columns: columns)
            for sample in part {
                sample.withUnsafeBufferPointer { accumulator.add(rows: $0.baseAddress!, count: sample.count / columns) }
                sample.withUnsafeBufferPointer { whole.add(rows: $0.baseAddress!, count: sample.count / columns) }
            }
            packed.append(accumulator.packedSum)
            counts.append(accumulator.sampleCount)
            partHessians.append(accumulator.hessian())
        }
        let combined = try HessianAccumulator(columns: columns, packedSums: packed, sampleCounts: counts)
        #expect(combined.sampleCount == 6)
        let h = combined.hessian(), expected = whole.hessian()
        // Summed in float64, the parts give the single-process Hessian bit for bit.
        #expect(h == expected)
        let peak = expected.reduce(0) { max($0, abs($1)) }
        for k in h.indices {
            // Each part's mean, weighted by its samples.
            let weighted = zip(partHessians, counts).reduce(0) { $0 + $1.0[k] * Float($1.1) } / 6
            #expect(abs(h[k] - weighted) <= 1e-5 * peak)
        }
        #expect(throws: ModifierError.self) { try HessianAccumulator(columns: columns, packedSums: [[1, 2]], sampleCounts: [1]) }
    }

    // MARK: whole runs over ranks

    /// The calibration test model compressed with `recipe` over `ranks` thread ranks (1: one
    /// process, no reducer), each rank on one thread.
    static func compress(_ recipe: Recipe, ranks: Int) throws -> TemporaryFolder {
        let samples = try StaticActivationTests.Reference().samples
        let folder = TemporaryFolder("ranks")
        let output = folder.file("out")
        guard ranks > 1 else {
            try Compressor.run(model: StaticActivationTests.model, recipe: recipe, output: output,
                               options: OneshotOptions(threads: 1, calibration: CalibrationInput(samples: samples)))
            return folder
        }
        let errors = ThreadRanks(size: ranks).run { reducer in
            var options = OneshotOptions(threads: 1, calibration: CalibrationInput(samples: samples))
            options.reducer = reducer
            try Compressor.run(model: StaticActivationTests.model, recipe: recipe, output: output, options: options)
        }
        #expect(errors.isEmpty, "\(errors)")
        return folder
    }

    /// Compares two outputs tensor by tensor: static scales within 1e-5 relative, and the
    /// fraction of equal bytes of every other tensor (GPTQ's codes).
    static func compare(_ a: TemporaryFolder, _ b: TemporaryFolder) throws -> (scales: Int, equalFraction: Double) {
        let x = try TensorReader(directory: a.file("out")), y = try TensorReader(directory: b.file("out"))
        #expect(x.names.sorted() == y.names.sorted())
        var scales = 0, equal = 0, total = 0
        for name in x.names {
            if name.hasSuffix("input_scale") || name.hasSuffix("k_scale") || name.hasSuffix("v_scale") {
                for (u, v) in zip(try x.floats(name), try y.floats(name)) { #expect(abs(u - v) <= 1e-5 * abs(u), "\(name): \(u) vs \(v)") }
                scales += 1
                continue
            }
            let p = Array(x.checkpoint.data(x.checkpoint.tensors.first { $0.name == name }!))
            let q = Array(y.checkpoint.data(y.checkpoint.tensors.first { $0.name == name }!))
            #expect(p.count == q.count)
            equal += zip(p, q).filter { $0 == $1 }.count
            total += p.count
        }
        return (scales, Double(equal) / Double(max(total, 1)))
    }

    @Test(arguments: [2, 3])
    func staticScalesOverRanksEqualOneProcess(ranks: Int) throws {
        let recipe = try StaticActivationTests.Reference().recipe("fp8_static_kv")
        let (scales, equal) = try Self.compare(try Self.compress(recipe, ranks: 1), try Self.compress(recipe, ranks: ranks))
        #expect(scales == 18)
        #expect(equal == 1)
    }

    /// GPTQ's Hessians over ranks are the ranks' float64 sums added in rank order, which round to
    /// the single-process Hessian; AWQ's losses are float64 too: every byte equals one process's.
    @Test(arguments: ["w4a16_gptq_g32", "w8a8_smoothquant_gptq", "w4a16_awq"], [2, 3])
    func calibrationOverRanksEqualsOneProcess(recipe: String, ranks: Int) throws {
        let reference = try StaticActivationTests.Reference().recipe(recipe)
        let (_, equal) = try Self.compare(try Self.compress(reference, ranks: 1), try Self.compress(reference, ranks: ranks))
        #expect(equal == 1, "\(recipe) over \(ranks) ranks: \(equal) of the bytes equal")
    }

    /// The inputs' importance of imatrix observers, each sample's sums added in sample order over
    /// the ranks, gives one process's search and bytes.
    @Test(arguments: zip(["config_groups:\n    group_0:\n      targets: [Linear]\n      weights: {num_bits: 4, type: int, symmetric: true, strategy: group, group_size: 32, observer: imatrix_mse}",
                      "targets: [Linear]\n  scheme: NVFP4A16\n  weight_observer: nvfp4_expanded_imatrix"], [3, 2]))
    func imatrixObserversOverRanksEqualOneProcess(settings: String, ranks: Int) throws {
        let recipe = try Recipe.parse(yaml: "QuantizationModifier:\n  ignore: [lm_head]\n  \(settings)\n", file: "imatrix.yaml")
        let (_, equal) = try Self.compare(try Self.compress(recipe, ranks: 1), try Self.compress(recipe, ranks: ranks))
        #expect(equal == 1, "\(settings) over \(ranks) ranks: \(equal) of the bytes equal")
    }

    @Test func onlyRankZeroWrites() throws {
        let recipe = try StaticActivationTests.Reference().recipe("fp8_static_kv")
        let folder = try Self.compress(recipe, ranks: 2)
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(left == ["out"])
    }
}
