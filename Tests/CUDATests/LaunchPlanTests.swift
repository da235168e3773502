import Testing
@testable import CUDA

@Suite("CUDA launch plans")
struct LaunchPlanTests {
    @Test func rowKernelsTakeABlockPerRow() {
        #expect(LaunchPlan.perRow(rows: 7) == LaunchPlan(grid: (7, 1), block: 256, sharedBytes: 0))
    }

    @Test func rotaryTakesAThreadPerPairInWholeWarps() throws {
        #expect(try LaunchPlan.rotary(rows: 5, heads: 32, rotaryDimension: 128) == LaunchPlan(grid: (5, 32), block: 64, sharedBytes: 0))
        #expect(try LaunchPlan.rotary(rows: 1, heads: 4, rotaryDimension: 16).block == 32)
        #expect(try LaunchPlan.rotary(rows: 1, heads: 4, rotaryDimension: 1024).block == 256)
        #expect(throws: CUDAError.self) { try LaunchPlan.rotary(rows: 1, heads: 70_000, rotaryDimension: 64) }
    }

    @Test func gemvTakesAWarpPerOutputAndEightInputRowsALaunch() {
        #expect(LaunchPlan.gemv(outputs: 300) == LaunchPlan(grid: (38, 1), block: 256, sharedBytes: 0))
        #expect(LaunchPlan.gemvLaunches(rows: 19) == [0..<8, 8..<16, 16..<19])
        #expect(LaunchPlan.gemvLaunches(rows: 8) == [0..<8])
    }

    @Test func fp4TakesAThreadPerStoredByte() {
        #expect(LaunchPlan.fp4Dequantization(rows: 33, columns: 1001).grid.x == (33 * 501 + 255) / 256)
    }

    @Test func routingTakesAThreadPerToken() {
        #expect(LaunchPlan.routing(tokens: 129) == LaunchPlan(grid: (2, 1), block: 128, sharedBytes: 0))
    }

    @Test func attentionKeepsEveryPositionsScoreInSharedMemory() throws {
        #expect(try LaunchPlan.attention(rows: 3, past: 100, heads: 8, headDim: 64, sharedLimit: 48 * 1024)
            == LaunchPlan(grid: (3, 8), block: 256, sharedBytes: 412))
        // 57568 positions fit beside the kernel's own 2176 bytes, one more does not.
        #expect(try LaunchPlan.attention(rows: 1, past: 57_567, heads: 8, headDim: 64, sharedLimit: 232_448).sharedBytes == 230_272)
        #expect(throws: CUDAError.unsupportedShape(
            kernel: "attention",
            reason: "57569 positions need 230276 bytes of shared memory for their scores besides the kernel's 2176; the device allows 232448")) {
            try LaunchPlan.attention(rows: 1, past: 57_568, heads: 8, headDim: 64, sharedLimit: 232_448)
        }
        #expect(throws: CUDAError.unsupportedShape(kernel: "attention", reason: "heads of 512 dimensions exceed its 256")) {
            try LaunchPlan.attention(rows: 1, past: 0, heads: 8, headDim: 512, sharedLimit: 48 * 1024)
        }
    }

    @Test func elementwiseKernelsTakeAThreadPerElement() {
        #expect(LaunchPlan.elementwise(count: 257) == LaunchPlan(grid: (2, 1), block: 256, sharedBytes: 0))
        #expect(LaunchPlan.elementwise(count: 256).grid.x == 1)
    }
}
