import Foundation

/// Runs the built `compress` executable, which SwiftPM places beside the test bundle.
enum CompressBinary {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static let path: String = {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = bundle.deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("compress").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return "compress"
    }()

    /// Runs `compress ARGS`, or `WRAPPER... compress ARGS` (a command that runs the rest of its
    /// arguments, such as `setpriv ... --`), in `directory` (default: this process's), and waits for it.
    static func run(_ arguments: [String], through wrapper: [String] = [], in directory: String? = nil) throws -> Result {
        let process = Process()
        process.currentDirectoryURL = directory.map { URL(fileURLWithPath: $0) }
        process.executableURL = URL(fileURLWithPath: wrapper.first ?? path)
        process.arguments = wrapper.dropFirst() + (wrapper.isEmpty ? [] : [path]) + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }
}
