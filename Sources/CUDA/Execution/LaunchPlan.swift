/// How one kernel of ``KernelSource/all`` is launched for a shape: its grid, threads per block and
/// dynamic shared memory, as each kernel's source comment requires. Pure host logic, tested without a GPU.
public struct LaunchPlan: Equatable, Sendable {
    /// Blocks along x and y.
    public let grid: (x: Int, y: Int)
    /// Threads per block (a multiple of 32).
    public let block: Int
    /// Dynamic shared memory per block, in bytes.
    public let sharedBytes: Int

    public static func == (a: LaunchPlan, b: LaunchPlan) -> Bool {
        a.grid == b.grid && a.block == b.block && a.sharedBytes == b.sharedBytes
    }

    /// The largest grid.y the driver takes.
    static let gridYLimit = 65_535
    /// Input rows one GEMV launch multiplies (`GEMV_MAX_ROWS` in common.cuh).
    public static let gemvRows = 8

    /// `rms_norm_f32`, `quantize_fp8_per_token`, `quantize_int8_per_token`, `fake_quantize_fp8_per_token`,
    /// `fake_quantize_int8_per_token`: one block of 256 per row.
    public static func perRow(rows: Int) -> LaunchPlan {
        LaunchPlan(grid: (rows, 1), block: 256, sharedBytes: 0)
    }

    /// `rotary_f32`: a block per (row, head), a thread per rotated pair (32 to 256).
    public static func rotary(rows: Int, heads: Int, rotaryDimension: Int) throws(CUDAError) -> LaunchPlan {
        guard heads <= gridYLimit else { throw .unsupportedShape(kernel: "rotary_f32", reason: "\(heads) heads exceed the grid's \(gridYLimit)") }
        return LaunchPlan(grid: (rows, heads), block: min(256, max(32, (rotaryDimension / 2 + 31) / 32 * 32)), sharedBytes: 0)
    }

    /// `packed_int_gemv`, `fp8_weight_gemv`, `int8_gemv`: a warp per output row, 8 warps a block;
    /// inputs in launches of ``gemvRows`` rows.
    public static func gemv(outputs: Int) -> LaunchPlan {
        LaunchPlan(grid: ((outputs + 7) / 8, 1), block: 256, sharedBytes: 0)
    }

    /// The input rows of each GEMV launch for `rows` rows.
    public static func gemvLaunches(rows: Int) -> [Range<Int>] {
        stride(from: 0, to: rows, by: gemvRows).map { $0..<min(rows, $0 + gemvRows) }
    }

    /// `dequantize_nvfp4`, `dequantize_mxfp4`: a thread per stored byte of `rows` rows.
    public static func fp4Dequantization(rows: Int, columns: Int) -> LaunchPlan {
        LaunchPlan(grid: ((rows * ((columns + 1) / 2) + 255) / 256, 1), block: 256, sharedBytes: 0)
    }

    /// `softmax_top_k`: a thread per token.
    public static func routing(tokens: Int) -> LaunchPlan {
        LaunchPlan(grid: ((tokens + 127) / 128, 1), block: 128, sharedBytes: 0)
    }

    /// `attention_f32`, `attention_fp8_cache`: a block of 256 threads per (query row, head), the
    /// scores of the `past + rows` positions in dynamic shared memory, which with the kernel's own
    /// (``attentionStaticSharedBytes``) must fit in `sharedLimit` bytes; heads of up to 256 dimensions.
    public static func attention(rows: Int, past: Int, heads: Int, headDim: Int, sharedLimit: Int) throws(CUDAError) -> LaunchPlan {
        let bytes = 4 * (past + rows)
        guard bytes + attentionStaticSharedBytes <= sharedLimit else {
            throw .unsupportedShape(
                kernel: "attention",
                reason: "\(past + rows) positions need \(bytes) bytes of shared memory for their scores besides the kernel's \(attentionStaticSharedBytes); the device allows \(sharedLimit)")
        }
        guard headDim <= 256 else { throw .unsupportedShape(kernel: "attention", reason: "heads of \(headDim) dimensions exceed its 256") }
        guard heads <= gridYLimit else { throw .unsupportedShape(kernel: "attention", reason: "\(heads) heads exceed the grid's \(gridYLimit)") }
        return LaunchPlan(grid: (rows, heads), block: 256, sharedBytes: bytes)
    }

    /// The shared memory `attention.cu` declares itself: the block reduction's 32 floats, the
    /// query's 256 and the value sums' 256.
    static let attentionStaticSharedBytes = 4 * (32 + 256 + 256)

    /// `add_f32`, `gated_activation_f32`, `copy_rows_f32`, `add_bias_rows_f32`, `fake_quantize_fp8_static`,
    /// `fake_quantize_int8_static`: a thread per element of `count`, 256 a block.
    public static func elementwise(count: Int) -> LaunchPlan {
        LaunchPlan(grid: (max(1, (count + 255) / 256), 1), block: 256, sharedBytes: 0)
    }
}
