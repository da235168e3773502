import Foundation
import Testing
import TestSupport

/// `compress --version` and the help of every command: each default said once, nothing that
/// points outside the repository.
@Suite struct HelpTests {
    static let commands = [[], ["oneshot"], ["convert"], ["inspect"], ["verify"], ["bench"], ["eval"], ["generate"], ["tokenize"], ["samples"], ["cuda-check"]]

    @Test func versionIsOneLine() throws {
        let result = try CompressBinary.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil, "\(result.stdout)")
    }

    /// Help wrapped at a narrow width, so that an option's help and its defaults span lines.
    static func help(_ command: [String]) throws -> String {
        let result = try CompressBinary.run(command + ["--help"], through: ["/usr/bin/env", "COLUMNS=60"])
        #expect(result.status == 0)
        return result.stdout
    }

    @Test(arguments: commands)
    func everyDefaultIsSaidOnce(_ command: [String]) throws {
        let help = try Self.help(command)
        // An option's help runs from its line ("  --name ...") to the next option's.
        let options = help.components(separatedBy: "\n  -").dropFirst()
        #expect(!options.isEmpty)
        for option in options {
            let said = option.components(separatedBy: "default").count - 1
            #expect(said <= 1, "\(command): --\(option)")
        }
    }

    @Test(arguments: commands)
    func nothingPointsOutsideTheRepository(_ command: [String]) throws {
        let help = try Self.help(command)
        #expect(!help.contains("../"), "\(command)")
        #expect(!help.contains("shared/"), "\(command)")
    }

    @Test(arguments: commands)
    func everyOptionIsInTheReadme(_ command: [String]) throws {
        let readme = try String(contentsOfFile: Fixtures.repositoryRoot + "/README.md", encoding: .utf8)
        let help = try Self.help(command)
        let options = help.matches(of: #/--[a-z][a-z-]+/#).map { String($0.output) }
        #expect(!options.isEmpty)
        for option in Set(options) { #expect(readme.contains(option), "\(command): \(option)") }
        if let name = command.first { #expect(readme.contains("compress \(name)"), "\(name)") }
    }
}
