import Foundation

/// Paths of the test fixtures in `Tests/Fixtures`, which a fresh clone carries.
public enum Fixtures {
    /// `Tests/Fixtures`.
    public static let root: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures").path

    /// `Tests/Fixtures/NAME`.
    public static func path(_ name: String) -> String { root + "/" + name }

    /// The repository root.
    public static let repositoryRoot: String = URL(fileURLWithPath: root).deletingLastPathComponent().deletingLastPathComponent().path

    /// The bytes of a fixture file.
    public static func data(_ name: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path(name))) }
}

/// A fresh temporary folder, removed when the value is released.
public final class TemporaryFolder {
    public let path: String

    public init(_ label: String = "test") {
        path = NSTemporaryDirectory() + "/swift-llm-compressor-\(label)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// `path/NAME`.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Writes bytes to `NAME` inside the folder and returns its path.
    @discardableResult
    public func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        try Data(bytes).write(to: URL(fileURLWithPath: file(name)))
        return file(name)
    }

    /// Copies the fixture `fixture` (`Tests/Fixtures/FIXTURE`, a model folder) to `NAME` inside the
    /// folder and returns its path.
    @discardableResult
    public func copy(fixture: String, to name: String = "model") throws -> String {
        try FileManager.default.copyItem(atPath: Fixtures.path(fixture), toPath: file(name))
        return file(name)
    }

    /// Writes text to `NAME` inside the folder and returns its path.
    @discardableResult
    public func write(_ name: String, text: String) throws -> String { try write(name, Array(text.utf8)) }
}
