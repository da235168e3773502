import ArgumentParser
import Foundation

/// Prints an error as one line on standard error and turns it into exit code 1.
func fail(_ error: Error) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    return ExitCode(1)
}

/// Writes a line to standard error (progress and logs go there; results go to standard output).
func log(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
