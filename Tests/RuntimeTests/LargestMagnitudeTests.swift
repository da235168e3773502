import CKernels
import Testing
import TestSupport

/// `ck_largest_magnitude` on every path this CPU runs: the largest |x| of lengths that end
/// mid-vector and past the kernel's 64-value steps, wherever the largest lies and whatever its
/// sign, NaNs skipped, 0 for no values.
@Suite struct LargestMagnitudeTests {
    @Test func theLargestMagnitudeOnEveryPath() {
        var random = SeededRandom(seed: 19)
        for path in CPUKernelTests.paths {
            #expect(ck_use_path(path) == 1)
            defer { ck_use_path(CK_CHOSEN) }
            #expect(ck_largest_magnitude(nil, 0) == 0, "\(path): no values")
            for count in [1, 15, 64, 65, 130, 1537] {
                for place in [0, count / 2, count - 1] {
                    var x = (0..<count).map { _ in Float.random(in: -1...1, using: &random) }
                    let largest = Float.random(in: 2...3, using: &random)
                    x[place] = place % 2 == 0 ? -largest : largest
                    #expect(ck_largest_magnitude(x, count) == largest, "\(path) n\(count) at \(place)")
                    if count > 1 {
                        x[(place + 1) % count] = .nan
                        #expect(ck_largest_magnitude(x, count) == largest, "\(path) n\(count) at \(place), a NaN beside it")
                    }
                }
            }
        }
    }
}
