import Testing
@testable import CUDA

@Suite("GPU architectures")
struct GPUArchitectureTests {
    @Test func namesParseIntoComputeCapabilities() throws {
        #expect(try GPUArchitecture.list("sm_80,sm_89,sm_90a,sm_100a") == [
            GPUArchitecture(major: 8, minor: 0), GPUArchitecture(major: 8, minor: 9),
            GPUArchitecture(major: 9, minor: 0, specific: true), GPUArchitecture(major: 10, minor: 0, specific: true),
        ])
        #expect(GPUArchitecture(major: 9, minor: 0, specific: true).name == "sm_90a")
    }

    @Test(arguments: ["compute_90", "sm_9", "sm_9x", "sm_", "sm_90b", "sm_٩٠", ""])
    func otherNamesAreRefused(_ name: String) {
        #expect(throws: CUDAError.invalidArchitecture(name)) { try GPUArchitecture(parsing: name) }
    }
}
