/// Float32 sums in the order torch's CPU `sum` adds them (`cascade_sum` in
/// `aten/src/ATen/native/cpu/SumKernel.cpp`, 8-float vectors, for up to 2^16 rows), so that
/// statistics llm-compressor computes with torch round as they do there. Its `multi_row_sum`
/// adds rows into level 0 of a cascade; every 16 rows level 0 goes into level 1, every 256 level 1
/// into level 2, every 4096 level 2 into level 3; at the end levels 1 to 3 are added into level 0.
enum TorchSums {
    /// Rows a cascade level takes before it is added into the next (`1 << level_power`).
    private static let levelStep = 16

    /// The sum of `count` consecutive floats, as torch reduces a contiguous row
    /// (`vectorized_inner_sum`): 8-float vectors, vector `v` cascaded into accumulator `v % 4`
    /// (4 vectors a row), the vectors left over added to the first, the four added in order;
    /// then the scalar tail from 0, then the 8 lanes in order.
    static func row(_ values: UnsafePointer<Float>, count: Int) -> Float {
        let vectors = count / 8, quads = vectors / 4
        let vector = { (v: Int) in SIMD8<Float>(UnsafeBufferPointer(start: values + v * 8, count: 8)) }
        var partial = cascade(rows: quads) { vector(4 * $0) }
        for v in (quads * 4)..<vectors { partial += vector(v) }
        partial += cascade(rows: quads) { vector(4 * $0 + 1) }
        partial += cascade(rows: quads) { vector(4 * $0 + 2) }
        partial += cascade(rows: quads) { vector(4 * $0 + 3) }
        var sum: Float = 0
        for i in (vectors * 8)..<count { sum += values[i] }
        for lane in 0..<8 { sum += partial[lane] }
        return sum
    }

    /// The column sums of `rows × width` values (rows `stride` apart) as torch's reduction over
    /// rows adds them (`vectorized_outer_sum`, widths a multiple of 32): one cascade per column.
    static func columns(_ values: UnsafePointer<Float>, rows: Int, width: Int, stride: Int) -> [Float] {
        var levels = [[Float]](repeating: [Float](repeating: 0, count: width), count: 4)
        for r in 0..<rows {
            for c in 0..<width { levels[0][c] += values[r * stride + c] }
            var level = 1, period = levelStep
            while level < 4, (r + 1) % period == 0 {
                for c in 0..<width {
                    levels[level][c] += levels[level - 1][c]
                    levels[level - 1][c] = 0
                }
                level += 1
                period *= levelStep
            }
        }
        for level in 1..<4 { for c in 0..<width { levels[0][c] += levels[level][c] } }
        return levels[0]
    }

    /// `multi_row_sum` of `rows` vectors `value(row)`.
    @inline(__always)
    private static func cascade(rows: Int, _ value: (Int) -> SIMD8<Float>) -> SIMD8<Float> {
        var levels = (SIMD8<Float>.zero, SIMD8<Float>.zero, SIMD8<Float>.zero, SIMD8<Float>.zero)
        for r in 0..<rows {
            levels.0 += value(r)
            let done = r + 1
            guard done % levelStep == 0 else { continue }
            levels.1 += levels.0
            levels.0 = .zero
            guard done % (levelStep * levelStep) == 0 else { continue }
            levels.2 += levels.1
            levels.1 = .zero
            guard done % (levelStep * levelStep * levelStep) == 0 else { continue }
            levels.3 += levels.2
            levels.2 = .zero
        }
        return ((levels.0 + levels.1) + levels.2) + levels.3
    }
}
