#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A shared library opened with `dlopen`, kept open for the life of the process (the function
/// pointers taken from it must stay valid), whose functions are looked up by name.
public struct DynamicLibrary: @unchecked Sendable {
    /// Where it was loaded from: a path, or a bare name the dynamic linker resolved.
    public let path: String
    private let handle: UnsafeMutableRawPointer

    /// Opens `path` (a path, or a bare name for the dynamic linker's own search).
    ///
    /// - Throws: ``CUDAError/libraryUnloadable(path:reason:)`` with the linker's reason.
    public init(opening path: String) throws(CUDAError) {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown reason"
            throw .libraryUnloadable(path: path, reason: reason)
        }
        self.path = path
        self.handle = handle
    }

    /// The function `name` as the C function type `T` (a `@convention(c)` function type).
    ///
    /// - Throws: ``CUDAError/missingSymbol(library:symbol:)``.
    public func function<T>(_ name: String, as type: T.Type = T.self) throws(CUDAError) -> T {
        guard let symbol = dlsym(handle, name) else { throw .missingSymbol(library: path, symbol: name) }
        return unsafeBitCast(symbol, to: type)
    }
}
