import CUDA
import Testing
import TestSupport
@testable import Runtime

@Suite struct ComputeDeviceTests {
    @Test func devicesParseAsCPUOrNumberedCUDA() throws {
        #expect(try ComputeDevice(parsing: "cpu") == .cpu)
        #expect(try ComputeDevice(parsing: "cuda") == .cuda(index: 0))
        #expect(try ComputeDevice(parsing: "cuda:3") == .cuda(index: 3))
        // Under MPI, `cuda` alone is the local rank's GPU; an explicit index stays.
        #expect(try ComputeDevice(parsing: "cuda", localRank: 2) == .cuda(index: 2))
        #expect(try ComputeDevice(parsing: "cuda:0", localRank: 2) == .cuda(index: 0))
        #expect(try ComputeDevice(parsing: "cpu", localRank: 2) == .cpu)
        #expect(ComputeDevice.cuda(index: 3).description == "cuda:3")
    }

    @Test(arguments: ["", "gpu", "cuda:", "cuda:+1", "cuda:-1", "cuda:1.5", "cuda:99999", "cuda:１", " cpu"])
    func otherValuesAreRefusedNamingThem(_ text: String) {
        #expect(throws: RuntimeError.cuda(.invalidDevice(text))) { try ComputeDevice(parsing: text) }
    }

    @Test func theCPUBackendRunsModelsWithoutLoadingAnything() throws {
        let backend = try Backend.open(.cpu, cudaLibraries: "/nonexistent")
        try backend.requireModelSupport()
        let model = try DecoderModel(directory: Fixtures.path("models/llama_calib"))
        #expect(try backend.scoringModel(for: model) as? DecoderModel === model)
    }
}
