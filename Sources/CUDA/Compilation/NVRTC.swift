import Foundation

/// NVRTC, CUDA's run-time compiler, loaded with `dlopen` (`libnvrtc.so.13`, else `.12`): CUDA C++
/// source in, a CUBIN for one GPU architecture out. It needs no GPU.
public struct NVRTC: Sendable {
    private typealias Version = @convention(c) (UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?) -> Int32
    private typealias CreateProgram = @convention(c) (
        UnsafeMutablePointer<OpaquePointer?>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, Int32,
        UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<UnsafePointer<CChar>?>?) -> Int32
    private typealias CompileProgram = @convention(c) (OpaquePointer?, Int32, UnsafePointer<UnsafePointer<CChar>?>?) -> Int32
    private typealias GetSize = @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int>?) -> Int32
    private typealias GetBytes = @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?) -> Int32
    private typealias DestroyProgram = @convention(c) (UnsafeMutablePointer<OpaquePointer?>?) -> Int32
    private typealias ErrorString = @convention(c) (Int32) -> UnsafePointer<CChar>?

    /// The file it was loaded from.
    public let path: String
    /// NVRTC's (major, minor) version, e.g. (13, 0).
    public let version: (major: Int, minor: Int)
    private let createProgram: CreateProgram
    private let compileProgram: CompileProgram
    private let logSize: GetSize
    private let log: GetBytes
    private let cubinSize: GetSize
    private let cubin: GetBytes
    private let destroyProgram: DestroyProgram
    private let errorString: ErrorString

    /// The library names tried in each folder, newest first.
    public static let libraryNames = ["libnvrtc.so.13", "libnvrtc.so.12"]

    /// Loads NVRTC from the first folder of `search` that has it.
    ///
    /// - Throws: ``CUDAError`` naming what was looked for and where, or the file that did not load.
    /// Its companion `libnvrtc-builtins.so.X.Y` beside it is loaded too: NVRTC opens that by
    /// name when it compiles, and some builds (PyPI's 13.0) do not look in their own folder.
    public init(search: LibrarySearch) throws(CUDAError) {
        let library = try search.load(Self.libraryNames)
        try Self.loadBuiltins(beside: library.path)
        try self.init(library: library)
    }

    /// Loads the `libnvrtc-builtins.so.*` files in the folder of `path` (when it is a path), so
    /// that NVRTC's own `dlopen` of that name finds the one already loaded.
    private static func loadBuiltins(beside path: String) throws(CUDAError) {
        guard let slash = path.lastIndex(of: "/") else { return }
        let folder = String(path[..<slash])
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for name in entries.sorted() where name.hasPrefix("libnvrtc-builtins.so.") {
            _ = try DynamicLibrary(opening: folder + "/" + name)
        }
    }

    /// Takes NVRTC's functions from `library`.
    public init(library: DynamicLibrary) throws(CUDAError) {
        path = library.path
        let versionFunction = try library.function("nvrtcVersion", as: Version.self)
        createProgram = try library.function("nvrtcCreateProgram")
        compileProgram = try library.function("nvrtcCompileProgram")
        logSize = try library.function("nvrtcGetProgramLogSize")
        log = try library.function("nvrtcGetProgramLog")
        cubinSize = try library.function("nvrtcGetCUBINSize")
        cubin = try library.function("nvrtcGetCUBIN")
        destroyProgram = try library.function("nvrtcDestroyProgram")
        errorString = try library.function("nvrtcGetErrorString")
        var major: Int32 = 0, minor: Int32 = 0
        let status = versionFunction(&major, &minor)
        version = (Int(major), Int(minor))
        try check(status, "nvrtcVersion")
    }

    /// The result of compiling one source: the CUBIN, and the compiler's log (warnings; empty
    /// when the compilation was clean).
    public struct Output: Sendable {
        public let cubin: [UInt8]
        public let log: String
    }

    /// Compiles `source` (named `name` in messages) for `architecture` with `options` added to
    /// `-arch=sm_XY`, with `headers` (name, text) available to its `#include "..."` lines.
    ///
    /// - Throws: ``CUDAError/compilation(kernel:architecture:log:)`` with the compiler's log when
    ///   it fails; ``CUDAError/nvrtc(call:code:message:)`` for any other failure.
    public func compile(
        _ source: String, name: String, architecture: GPUArchitecture, options: [String] = [], headers: [(name: String, text: String)] = []
    ) throws(CUDAError) -> Output {
        var program: OpaquePointer?
        let created = withCStrings(headers.map(\.text)) { texts in
            withCStrings(headers.map(\.name)) { names in
                createProgram(&program, source, name, Int32(headers.count), texts, names)
            }
        }
        try check(created, "nvrtcCreateProgram(\(name))")
        defer { _ = destroyProgram(&program) }
        let compiled = withCStrings(["-arch=\(architecture.name)"] + options) { compileProgram(program, Int32(options.count + 1), $0) }
        let text = try programLog(program, name: name)
        guard compiled == 0 else {
            throw .compilation(kernel: name, architecture: architecture.name, log: text.isEmpty ? message(compiled) : text)
        }
        var size = 0
        try check(cubinSize(program, &size), "nvrtcGetCUBINSize(\(name))")
        var bytes = [UInt8](repeating: 0, count: size)
        let status = bytes.withUnsafeMutableBytes { cubin(program, $0.baseAddress?.assumingMemoryBound(to: CChar.self)) }
        try check(status, "nvrtcGetCUBIN(\(name))")
        return Output(cubin: bytes, log: text)
    }

    /// The compiler's log for `program`, without the trailing zero and white space.
    private func programLog(_ program: OpaquePointer?, name: String) throws(CUDAError) -> String {
        var size = 0
        try check(logSize(program, &size), "nvrtcGetProgramLogSize(\(name))")
        guard size > 1 else { return "" }
        var bytes = [CChar](repeating: 0, count: size)
        try check(log(program, &bytes), "nvrtcGetProgramLog(\(name))")
        let text = bytes.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return String(text.reversed().drop(while: \.isWhitespace).reversed())
    }

    private func message(_ status: Int32) -> String {
        errorString(status).map { String(cString: $0) } ?? "unknown error"
    }

    private func check(_ status: Int32, _ call: String) throws(CUDAError) {
        guard status == 0 else { throw .nvrtc(call: call, code: status, message: message(status)) }
    }
}

/// Calls `body` with `strings` as an array of C strings that lives for the call.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers = copies.map { UnsafePointer($0) }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}
