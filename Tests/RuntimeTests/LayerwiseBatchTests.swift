import Checkpoint
import Foundation
@testable import Runtime
import Testing
import TestSupport

/// Calibration's batched block runs: samples of different lengths run together give each sample
/// what it gets alone, and a tap sees each sample's activations on their own, in order.
@Suite struct LayerwiseBatchTests {
    /// Records what a block run shows, site by site, in call order.
    final class Recorder: LayerTap {
        var calls: [(site: LayerSite, rows: Int, values: [Float])] = []

        func observe(_ site: LayerSite, _ values: UnsafePointer<Float>, rows: Int, width: Int, stride: Int) {
            var copy: [Float] = []
            for r in 0..<rows { copy.append(contentsOf: UnsafeBufferPointer(start: values + r * stride, count: width)) }
            calls.append((site, rows, copy))
        }

        /// The calls at `site`, in order.
        func calls(at site: LayerSite) -> [(rows: Int, values: [Float])] {
            calls.filter { $0.site == site }.map { ($0.rows, $0.values) }
        }
    }

    /// Sample lengths on both sides of attention's query block (128 positions).
    static let lengths = [5, 130, 17]

    static func model() throws -> LayerwiseModel {
        try LayerwiseModel(checkpoint: try Checkpoint(directory: Fixtures.path("models/llama_calib")))
    }

    static func samples(_ model: LayerwiseModel) throws -> [[Float]] {
        let vocabulary = model.spec.vocabularySize
        return try model.embed(samples: lengths.enumerated().map { s, n in (0..<n).map { ($0 * 37 + s * 101 + 3) % vocabulary } })
    }

    /// The largest difference between `a` and `b`, relative to the largest magnitude in `a`.
    static func relativeError(_ a: [Float], _ b: [Float]) -> Float {
        let peak = a.reduce(0) { max($0, abs($1)) }
        return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) } / max(peak, .leastNormalMagnitude)
    }

    @Test func batchedSamplesMatchSamplesRunAlone() throws {
        let model = try Self.model()
        let embedded = try Self.samples(model)
        let block = try model.block(0)
        var batched = embedded
        let batchTap = Recorder()
        model.run(block, samples: &batched, batch: 0..<embedded.count, tap: batchTap)
        var aloneTaps: [Recorder] = []
        for s in embedded.indices {
            var alone = [embedded[s]]
            let tap = Recorder()
            model.run(block, samples: &alone, batch: 0..<1, tap: tap)
            aloneTaps.append(tap)
            #expect(Self.relativeError(alone[0], batched[s]) < 1e-5, "sample \(s)")
            #expect(alone[0] != embedded[s])
        }
        for site in [LayerSite.attentionInput, .attentionOutput, .feedForwardInput, .feedForwardInner, .keys, .values] {
            let seen = batchTap.calls(at: site)
            #expect(seen.map(\.rows) == Self.lengths, "\(site)")
            for (s, tap) in aloneTaps.enumerated() where s < seen.count {
                #expect(Self.relativeError(tap.calls(at: site)[0].values, seen[s].values) < 1e-5, "\(site) of sample \(s)")
            }
        }
    }

    /// The buffers one run keeps serve the next, larger or smaller: every run gives what a model
    /// that never ran gives.
    @Test func keptBuffersGiveWhatFreshOnesGive() throws {
        let model = try Self.model()
        let embedded = try Self.samples(model)
        let block = try model.block(0)
        func run(_ model: LayerwiseModel, _ batch: Range<Int>) -> [[Float]] {
            var samples = embedded
            model.run(block, samples: &samples, batch: batch, tap: nil)
            return samples
        }
        for batch in [0..<1, 0..<3, 1..<2, 0..<3] {
            let expected = run(try Self.model(), batch)
            #expect(run(model, batch) == expected, "samples \(batch)")
        }
        model.releaseWorkspace()
        let expected = run(try Self.model(), 0..<3)
        #expect(run(model, 0..<3) == expected, "after the buffers were released")
    }

    @Test func batchesHoldWholeSamplesUpToTheRowLimit() throws {
        let model = try Self.model()
        let width = model.spec.hiddenSize, limit = LayerwiseModel.batchRows
        let rows = [limit / 2, limit / 2, 1, limit + 3, 2]
        let samples = rows.map { [Float](repeating: 0, count: $0 * width) }
        #expect(model.batches(samples) == [0..<2, 2..<3, 3..<4, 4..<5])
        #expect(model.batches([]) == [])
    }

    /// Grouped-query attention as its definition writes it, in f64: softmax of scaled dot products
    /// over the visible keys (causal, within `window`), times the values.
    static func reference(queries: [Float], keys: [Float], values: [Float], rows: Int, past: Int, heads: Int, kvHeads: Int,
                          headDim: Int, scale: Float, window: Int?) -> [Float] {
        var output = [Float](repeating: 0, count: rows * heads * headDim)
        let kvWidth = kvHeads * headDim, group = heads / kvHeads
        for r in 0..<rows {
            let position = past + r
            let first = window.map { max(0, position - $0 + 1) } ?? 0
            for h in 0..<heads {
                let g = h / group
                let q = (r * heads + h) * headDim
                let scores = (first...position).map { p in
                    Double(scale) * (0..<headDim).reduce(0.0) { $0 + Double(queries[q + $1]) * Double(keys[p * kvWidth + g * headDim + $1]) }
                }
                let top = scores.max()!
                let weights = scores.map { exp($0 - top) }
                let total = weights.reduce(0, +)
                for d in 0..<headDim {
                    var sum = 0.0
                    for (i, p) in (first...position).enumerated() { sum += weights[i] * Double(values[p * kvWidth + g * headDim + d]) }
                    output[q + d] = Float(sum / total)
                }
            }
        }
        return output
    }

    @Test(arguments: [nil, 40] as [Int?])
    func attentionOverManyQueryBlocksMatchesItsDefinition(window: Int?) {
        let heads = 4, kvHeads = 2, headDim = 32, rows = 300, past = 7
        let attention = Attention(headCount: heads, keyValueHeadCount: kvHeads, headDim: headDim, scale: 0.2, softcap: nil, window: window)
        var random = CPUKernelTests.Random()
        func values(_ count: Int) -> [Float] { (0..<count).map { _ in Float.random(in: -2...2, using: &random) } }
        let queries = values(rows * heads * headDim)
        let keys = values((past + rows) * kvHeads * headDim), values = values((past + rows) * kvHeads * headDim)
        let sizes = Attention.scratch(rows: rows, past: past, headCount: heads, keyValueHeadCount: kvHeads, headDim: headDim)
        let perWorker = sizes.scores + 2 * sizes.stacked + sizes.values
        /// The output with `workers` scratch buffers: blocks in turn on one, on the compute threads with more.
        func attend(workers: Int) -> [Float] {
            var scratch = [Float](repeating: 0, count: workers * perWorker)
            var output = [Float](repeating: 0, count: rows * heads * headDim)
            scratch.withUnsafeMutableBufferPointer { s in
                let buffers = (0..<workers).map { w in
                    let base = s.baseAddress! + w * perWorker
                    return Attention.Scratch(scores: base, stackedQueries: base + sizes.scores, stackedOutput: base + sizes.scores + sizes.stacked,
                                             transposedValues: base + sizes.scores + 2 * sizes.stacked)
                }
                attention(queries: queries, queryStride: heads * headDim, rows: rows, past: past, keys: keys, values: values,
                          scratch: buffers, output: &output)
            }
            return output
        }
        let output = attend(workers: 1)
        #expect(attend(workers: 3).map(\.bitPattern) == output.map(\.bitPattern), "blocks on the compute threads")
        let expected = Self.reference(queries: queries, keys: keys, values: values, rows: rows, past: past, heads: heads,
                                      kvHeads: kvHeads, headDim: headDim, scale: 0.2, window: window)
        #expect(Self.relativeError(expected, output) < 1e-5)
    }
}
