import Foundation

/// Where the CUDA libraries are looked for, in order: the folders the user names (`--cuda-libraries`,
/// then `COMPRESS_CUDA_LIBRARIES`, each a `:`-separated list), `LD_LIBRARY_PATH`, the usual system
/// folders (`/usr/local/cuda/lib64`, `/usr/local/cuda-X.Y/lib64` newest first,
/// `/usr/lib/x86_64-linux-gnu` or `aarch64-linux-gnu`, ...), the `nvidia/*/lib` folders of Python's package folders (the
/// active `VIRTUAL_ENV` and `CONDA_PREFIX`, the user's `~/.local`, the system's), and last the
/// dynamic linker's own default paths. Only folders that exist are kept.
public struct LibrarySearch: Sendable {
    /// The folders searched, in order, each once.
    public let folders: [String]

    /// The system folders searched after the user's: CUDA toolkits and the distributions' library folders.
    public static let systemFolders = [
        "/usr/local/cuda/lib64", "/usr/local/cuda-*/lib64", "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib/wsl/lib",
    ]
    /// The system-wide Python package folders (`*` is any name, e.g. `python3.11`).
    public static let systemPythonPackages = [
        "/usr/local/lib/python3*/dist-packages", "/usr/local/lib/python3*/site-packages", "/usr/lib/python3/dist-packages",
        "/usr/lib/python3*/site-packages", "/opt/conda/lib/python3*/site-packages",
    ]

    /// - Parameters:
    ///   - option: the `--cuda-libraries` value, if given.
    ///   - environment: the process's environment (`COMPRESS_CUDA_LIBRARIES`, `LD_LIBRARY_PATH`,
    ///     `VIRTUAL_ENV`, `CONDA_PREFIX`, `HOME`).
    ///   - systemFolders: the system library folders (patterns with `*` allowed).
    ///   - systemPythonPackages: the system's Python package folders (patterns with `*` allowed).
    public init(
        option: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        systemFolders: [String] = LibrarySearch.systemFolders, systemPythonPackages: [String] = LibrarySearch.systemPythonPackages
    ) {
        func list(_ value: String?) -> [String] { (value ?? "").split(separator: ":").map(String.init) }
        var patterns = list(option) + list(environment["COMPRESS_CUDA_LIBRARIES"]) + list(environment["LD_LIBRARY_PATH"]) + systemFolders
        var packages = ["VIRTUAL_ENV", "CONDA_PREFIX"].compactMap { environment[$0] }.map { $0 + "/lib/python3*/site-packages" }
        if let home = environment["HOME"] { packages.append(home + "/.local/lib/python3*/site-packages") }
        packages += systemPythonPackages
        patterns += packages.map { $0 + "/nvidia/*/lib" }
        var seen = Set<String>()
        folders = patterns.flatMap(Self.expand).filter { seen.insert($0).inserted }
    }

    /// Opens the first of `names` found, trying each folder in order with every name, then (when
    /// `linkerDefaults`) each bare name through the dynamic linker's own search.
    ///
    /// - Throws: ``CUDAError/libraryUnloadable(path:reason:)`` for the first file found that does
    ///   not load (it is not skipped: a broken library first in the order is reported, not
    ///   silently replaced by another); ``CUDAError/libraryNotFound(names:searched:)`` when none is found.
    public func load(_ names: [String], linkerDefaults: Bool = true) throws(CUDAError) -> DynamicLibrary {
        if let path = locate(names) { return try DynamicLibrary(opening: path) }
        if linkerDefaults {
            for name in names {
                if let library = try? DynamicLibrary(opening: name) { return library }
            }
        }
        throw .libraryNotFound(names: names, searched: folders)
    }

    /// The path of the first of `names` in the folders, folder by folder, without loading it.
    public func locate(_ names: [String]) -> String? {
        for folder in folders {
            for name in names where FileManager.default.fileExists(atPath: folder + "/" + name) {
                return folder + "/" + name
            }
        }
        return nil
    }

    /// The existing folders `pattern` names: itself, or with one `*` per path component matched
    /// against that folder's entries (sorted so that the highest version comes first).
    static func expand(_ pattern: String) -> [String] {
        var matches = [pattern]
        if pattern.contains("*") {
            matches = [pattern.hasPrefix("/") ? "" : "."]
            for component in pattern.split(separator: "/", omittingEmptySubsequences: true).map(String.init) {
                matches = matches.flatMap { parent -> [String] in
                    guard let star = component.firstIndex(of: "*") else { return [parent + "/" + component] }
                    let prefix = component[..<star], suffix = component[component.index(after: star)...]
                    let entries = (try? FileManager.default.contentsOfDirectory(atPath: parent.isEmpty ? "/" : parent)) ?? []
                    return entries.filter { $0.hasPrefix(prefix) && $0.hasSuffix(suffix) && $0.count >= component.count - 1 }
                        .sorted(by: newestFirst).map { parent + "/" + $0 }
                }
            }
        }
        var isFolder: ObjCBool = false
        return matches.filter { FileManager.default.fileExists(atPath: $0, isDirectory: &isFolder) && isFolder.boolValue }
    }

    /// Orders names by their numbers, highest first (`cuda-12.10` before `cuda-12.9`), then by name.
    static func newestFirst(_ a: String, _ b: String) -> Bool {
        func numbers(_ name: String) -> [Int] { name.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) } }
        let x = numbers(a), y = numbers(b)
        if x != y { return y.lexicographicallyPrecedes(x) }
        return a < b
    }
}
