import Testing
@testable import CUDA

@Suite("CUDA kernel cache")
struct KernelCacheTests {
    let cache = KernelCache(folder: "/cache")
    let source = KernelSource.all[0]

    @Test func theFileNameHoldsTheSourceDigestArchitectureAndCompilerVersion() {
        let path = cache.path(for: source, architecture: GPUArchitecture(major: 9, minor: 0, specific: true), version: (13, 0))
        #expect(path.hasPrefix("/cache/rms_norm-") && path.hasSuffix("-sm_90a-nvrtc13.0.cubin"))
        #expect(path != cache.path(for: source, architecture: GPUArchitecture(major: 8, minor: 0), version: (13, 0)))
        #expect(path != cache.path(for: source, architecture: GPUArchitecture(major: 9, minor: 0, specific: true), version: (12, 9)))
        let edited = KernelSource(name: source.name, text: source.text + "\n", functions: source.functions)
        #expect(path != cache.path(for: edited, architecture: GPUArchitecture(major: 9, minor: 0, specific: true), version: (13, 0)))
    }

    @Test func theFolderFollowsXDGCacheHome() {
        #expect(KernelCache(environment: ["XDG_CACHE_HOME": "/x", "HOME": "/h"]).folder == "/x/swift-llm-compressor/cuda")
        #expect(KernelCache(environment: ["HOME": "/h"]).folder == "/h/.cache/swift-llm-compressor/cuda")
    }

    @Test func everySourceIsEmbeddedAndDefinesItsKernels() {
        for source in KernelSource.all {
            #expect(source.text.contains("#include \"common.cuh\""), "\(source.name)")
            for function in source.functions { #expect(source.text.contains("extern \"C\" __global__ void \(function)("), "\(source.name): \(function)") }
        }
    }
}
