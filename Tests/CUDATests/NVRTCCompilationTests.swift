import Foundation
import Testing
@testable import CUDA

/// Compiles the kernels with a real NVRTC, which needs no GPU: enabled when
/// `COMPRESS_NVRTC_LIBRARIES` names a folder holding libnvrtc.so.13 or .12 (scripts/cuda-kernels-check.sh
/// sets it to a throwaway install of PyPI's nvidia-cuda-nvrtc).
@Suite("NVRTC compilation", .enabled(if: ProcessInfo.processInfo.environment["COMPRESS_NVRTC_LIBRARIES"] != nil))
struct NVRTCCompilationTests {
    let nvrtc: NVRTC
    let architectures = [GPUArchitecture(major: 8, minor: 0), GPUArchitecture(major: 8, minor: 9), GPUArchitecture(major: 9, minor: 0, specific: true)]

    init() throws {
        let folder = ProcessInfo.processInfo.environment["COMPRESS_NVRTC_LIBRARIES"]
        nvrtc = try NVRTC(search: LibrarySearch(option: folder, environment: [:], systemFolders: [], systemPythonPackages: []))
    }

    @Test func everyKernelCompilesWithoutWarningsForAmpereAdaAndHopper() throws {
        for source in KernelSource.all {
            for architecture in architectures {
                #expect(try !nvrtc.compile(source, architecture: architecture).cubin.isEmpty, "\(source.name) \(architecture)")
            }
        }
    }

    @Test func aWarningIsRefusedWithTheCompilersLog() {
        let warns = KernelSource(name: "warns.cu", text: "extern \"C\" __global__ void k(float* x) { int unused = 3; x[0] = 1; }", functions: ["k"])
        #expect {
            try nvrtc.compile(warns, architecture: architectures[0])
        } throws: { error in
            guard case let .compilation(kernel, architecture, log) = error as? CUDAError else { return false }
            return kernel == "warns.cu" && architecture == "sm_80" && log.contains("unused") && !"\(error)".contains("\n")
        }
    }

    @Test func anErrorIsRefusedWithTheCompilersLog() {
        let broken = KernelSource(name: "broken.cu", text: "extern \"C\" __global__ void k(float* x) { x[0] = undeclared; }", functions: ["k"])
        #expect {
            try nvrtc.compile(broken, architecture: architectures[0])
        } throws: { error in
            guard case let .compilation(kernel, _, log) = error as? CUDAError else { return false }
            return kernel == "broken.cu" && log.contains("undeclared")
        }
    }

    @Test func aCompiledKernelIsReadBackFromTheCache() throws {
        let folder = NSTemporaryDirectory() + "cuda-cache-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cache = KernelCache(folder: folder), source = KernelSource.all[0], architecture = architectures[0]
        let compiled = try cache.cubin(for: source, architecture: architecture, nvrtc: nvrtc)
        let path = cache.path(for: source, architecture: architecture, version: nvrtc.version)
        #expect(FileManager.default.contents(atPath: path).map { [UInt8]($0) } == compiled)
        try Data("cached".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try cache.cubin(for: source, architecture: architecture, nvrtc: nvrtc) == Array("cached".utf8))
    }

    @Test func aCacheThatCannotBeWrittenIsSkipped() throws {
        let file = NSTemporaryDirectory() + "cuda-cache-file-" + UUID().uuidString
        try Data().write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let cache = KernelCache(folder: file + "/cuda")  // under a file: no folder can be made
        #expect(try !cache.cubin(for: KernelSource.all[0], architecture: architectures[0], nvrtc: nvrtc).isEmpty)
    }
}
