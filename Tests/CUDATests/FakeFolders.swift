import Foundation

/// A temporary folder tree for library discovery tests, removed by ``remove()``.
struct FakeFolders {
    let root: String

    init() throws {
        root = NSTemporaryDirectory() + "cuda-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    /// Creates the folder `relative` under the root and returns its path.
    @discardableResult
    func folder(_ relative: String) throws -> String {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes a file `name` in `folder` holding text that no dynamic linker loads.
    @discardableResult
    func notALibrary(_ name: String, in folder: String) throws -> String {
        let path = folder + "/" + name
        try Data("not an ELF file\n".utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }
}
