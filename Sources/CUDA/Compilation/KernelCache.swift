import Checkpoint
import Foundation

/// Compiled kernels kept on disk between runs, one CUBIN per source, architecture and NVRTC
/// version, in `$XDG_CACHE_HOME/swift-llm-compressor/cuda` (else `~/.cache/...`). A file's name
/// holds the digest of the source, its headers and options, so an edited kernel is compiled anew.
public struct KernelCache: Sendable {
    /// The folder the CUBINs are kept in.
    public let folder: String

    public init(folder: String) {
        self.folder = folder
    }

    /// The cache folder the environment chooses.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let base = environment["XDG_CACHE_HOME"] ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.cache"
        self.init(folder: base + "/swift-llm-compressor/cuda")
    }

    /// The file that holds `source` compiled for `architecture` by NVRTC `version`.
    public func path(for source: KernelSource, architecture: GPUArchitecture, version: (major: Int, minor: Int)) -> String {
        let digest = ContentDigest.of([source.text] + KernelSource.headers.flatMap { [$0.name, $0.text] } + KernelSource.compileOptions)
        let stem = source.name.hasSuffix(".cu") ? String(source.name.dropLast(3)) : source.name
        return "\(folder)/\(stem)-\(digest)-\(architecture.name)-nvrtc\(version.major).\(version.minor).cubin"
    }

    /// The CUBIN of `source` for `architecture`: read from the cache, else compiled by `nvrtc`
    /// (refused with its log if it warns) and stored. A cache that cannot be written is skipped.
    ///
    /// - Throws: ``CUDAError/compilation(kernel:architecture:log:)`` and the other errors of ``NVRTC/compile(_:name:architecture:options:headers:)``.
    public func cubin(for source: KernelSource, architecture: GPUArchitecture, nvrtc: NVRTC) throws(CUDAError) -> [UInt8] {
        let path = path(for: source, architecture: architecture, version: nvrtc.version)
        if let data = FileManager.default.contents(atPath: path), !data.isEmpty { return [UInt8](data) }
        let output = try nvrtc.compile(source, architecture: architecture)
        store(output.cubin, at: path)
        return output.cubin
    }

    /// Writes `bytes` to `path` through a temporary file renamed into place, so that a reader
    /// never sees half a file; failures leave the cache as it was.
    private func store(_ bytes: [UInt8], at path: String) {
        let temporary = path + ".\(ProcessInfo.processInfo.processIdentifier).tmp"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
        }
    }
}

extension NVRTC {
    /// Compiles one of the backend's kernel sources with its headers and options, refusing warnings.
    ///
    /// - Throws: ``CUDAError/compilation(kernel:architecture:log:)`` with the log of an error or warning.
    public func compile(_ source: KernelSource, architecture: GPUArchitecture) throws(CUDAError) -> Output {
        let output = try compile(source.text, name: source.name, architecture: architecture, options: KernelSource.compileOptions,
                                 headers: KernelSource.headers)
        guard output.log.isEmpty else { throw .compilation(kernel: source.name, architecture: architecture.name, log: output.log) }
        return output
    }
}
