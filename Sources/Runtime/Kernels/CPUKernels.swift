import CKernels
import Dispatch

/// The matrix kernels of the CKernels target as the linear layers call them: the output rows of
/// one product split into one contiguous share per compute thread.
public enum CPUKernels {
    /// The instruction set the kernels run on in this process: "avx512", "avx2" or "portable",
    /// the best this CPU has unless the environment variable COMPRESS_KERNELS names another it has.
    public static var path: String { String(cString: ck_path_name(CK_CHOSEN)) }

    /// Multiply-adds below which one product stays on the calling thread.
    static let threadedWork = 1 << 16

    /// Calls `body` with contiguous ranges covering `0..<outputs`: one range per compute thread
    /// (whole multiples of 16 rows, the kernels' block) when the product has `work` multiply-adds
    /// enough to share, else one range on this thread.
    static func forEachShare(outputs: Int, work: Int, _ body: (Range<Int>) -> Void) {
        let shares = work < threadedWork ? 1 : min(ComputeThreads.current, (outputs + 15) / 16)
        guard shares > 1 else { return body(0..<outputs) }
        let perShare = ((outputs + shares - 1) / shares + 15) / 16 * 16
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: shares) { share in
                let start = share * perShare, end = min(outputs, start + perShare)
                if start < end { shared.value(start..<end) }
            }
        }
    }
}

extension CPUKernels {
    /// `y[r·ldy + o] = Σ_c x[r·ldx + c] · w[o·ldw + c]` for `rows` rows of x and `outputs` rows of
    /// the f32 weight w, `columns` columns each, over the compute threads.
    public static func multiply(_ x: UnsafePointer<Float>, ldx: Int, rows: Int, by w: UnsafePointer<Float>, ldw: Int, outputs: Int,
                         columns: Int, into y: UnsafeMutablePointer<Float>, ldy: Int) {
        forEachShare(outputs: outputs, work: rows * outputs * columns) { share in
            ck_matmul_f32(rows, share.lowerBound, share.count, columns, x, ldx, w, ldw, y, ldy)
        }
    }

    /// As ``multiply(_:ldx:rows:by:ldw:outputs:columns:into:ldy:)`` with bf16 weights and each
    /// value of x rounded to bf16 (ties to even): every product exact, the sums in f32 in
    /// `ck_matmul_bf16_inputs`' order, which gives the same bits on every kernel path.
    public static func multiplyRoundingToBF16(_ x: UnsafePointer<Float>, ldx: Int, rows: Int, by w: UnsafePointer<UInt16>, ldw: Int,
                                              outputs: Int, columns: Int, into y: UnsafeMutablePointer<Float>, ldy: Int) {
        forEachShare(outputs: outputs, work: rows * outputs * columns) { share in
            ck_matmul_bf16_inputs(rows, share.lowerBound, share.count, columns, x, ldx, w, ldw, y, ldy)
        }
    }
}

extension CPUKernels {
    /// As ``multiply(_:ldx:rows:by:ldw:outputs:columns:into:ldy:)`` with bf16 weights, by the split
    /// products (`ck_matmul_bf16_split`): rows of x packed over the threads, then outputs. Called
    /// where ``MatmulPrecision/splitRuns``; without a buffer for the packed rows the kernels give
    /// the f32 product.
    public static func multiplySplit(_ x: UnsafePointer<Float>, ldx: Int, rows: Int, by w: UnsafePointer<UInt16>, ldw: Int,
                                     outputs: Int, columns: Int, into y: UnsafeMutablePointer<Float>, ldy: Int) {
        let packed = UncheckedSendable(ck_split_rows_buffer(rows, columns))
        forEachShare(outputs: rows, work: rows * columns * 16) { share in
            ck_split_pack(share.lowerBound, share.count, columns, x, ldx, packed.value, rows)
        }
        forEachShare(outputs: outputs, work: rows * outputs * columns) { share in
            ck_matmul_bf16_split(rows, share.lowerBound, share.count, columns, packed.value, x, ldx, w, ldw, y, ldy)
        }
    }
}

/// A value handed to the threads of one product, each of which writes only its own output rows.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
