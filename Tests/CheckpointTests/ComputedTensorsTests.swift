@testable import Checkpoint
import Testing

/// The buffers of derived tensors are reused: a stream of equal tensors read a fused group ahead
/// allocates (and faults in) as many buffers as it holds at once, and each tensor reads its own
/// values whatever buffer it lies in.
@Suite struct ComputedTensorsTests {
    /// A BF16 tensor of `count` values, each byte `fill`.
    static func tensor(_ count: Int, fill: UInt8) -> DerivedTensor {
        DerivedTensor(name: "t\(fill)", dtype: .bf16, shape: [count], sources: []) { bytes, _ in
            bytes.initializeMemory(as: UInt8.self, repeating: fill)
        }
    }

    @Test func aStreamOfPairsAllocatesTwoBuffers() {
        let computed = ComputedTensors()
        for pair in 0..<4 {
            let (gate, up) = (2 * pair, 2 * pair + 1)
            let first = computed.bytes(gate, of: Self.tensor(1000, fill: UInt8(gate)), threads: 1)
            let second = computed.bytes(up, of: Self.tensor(1000, fill: UInt8(up)), threads: 1)
            #expect(first.count == 2000 && first.allSatisfy { $0 == UInt8(gate) })
            #expect(second.count == 2000 && second.allSatisfy { $0 == UInt8(up) })
            computed.drop(gate)
            computed.drop(up)
        }
        #expect(computed.allocations == 2)
    }

    @Test func smallerTensorsReuseLargerBuffersAndLargerOnesReplaceThem() {
        let computed = ComputedTensors()
        _ = computed.bytes(0, of: Self.tensor(1000, fill: 1), threads: 1)
        computed.drop(0)
        let small = computed.bytes(1, of: Self.tensor(10, fill: 2), threads: 1)
        #expect(small.count == 20 && small.allSatisfy { $0 == 2 })
        #expect(computed.bytes(1, of: Self.tensor(10, fill: 2), threads: 1).count == 20)
        computed.drop(1)
        let large = computed.bytes(2, of: Self.tensor(5000, fill: 3), threads: 1)
        #expect(large.count == 10000 && large.allSatisfy { $0 == 3 })
        #expect(computed.allocations == 2)
    }
}
