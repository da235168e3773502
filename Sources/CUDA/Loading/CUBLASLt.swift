/// cuBLASLt (`libcublasLt.so.13`, else `.12`), loaded with `dlopen`; its matmuls are not called yet,
/// so loading it checks only that it is present and tells its version.
public struct CUBLASLt: Sendable {
    private typealias GetVersion = @convention(c) () -> Int

    /// The library names tried in each folder, newest first.
    public static let libraryNames = ["libcublasLt.so.13", "libcublasLt.so.12"]

    /// The file it was loaded from.
    public let path: String
    /// Its version, e.g. 130000 for 13.0.0.
    public let version: Int

    /// Loads cuBLASLt from the first folder of `search` that has it.
    ///
    /// - Throws: ``CUDAError`` naming what was looked for and where, or the file that did not load.
    public init(search: LibrarySearch) throws(CUDAError) {
        let library = try search.load(Self.libraryNames)
        path = library.path
        version = try library.function("cublasLtGetVersion", as: GetVersion.self)()
    }
}
