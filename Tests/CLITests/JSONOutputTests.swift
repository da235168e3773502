import Checkpoint
import Foundation
import JSON
import Testing
import TestSupport

/// Every `--json` output of `compress` follows one layout: `schema_version` 1 and snake_case keys
/// at every depth.
@Suite struct JSONOutputTests {
    static let model = Fixtures.path("tiny-llama")
    static let runtimeModel = Fixtures.path("models/llama_calib")
    static let recipe = Fixtures.repositoryRoot + "/recipes/fp8_dynamic.yaml"

    /// Every key of `value`, at every depth.
    static func keys(_ value: JSONValue) -> [String] {
        switch value {
        case let .object(object): return object.members.flatMap { [$0.key] + keys($0.value) }
        case let .array(items): return items.flatMap(keys)
        default: return []
        }
    }

    static func isSnakeCase(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return key.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// Runs `compress ARGUMENTS` and checks its standard output as a `--json` document.
    static func expectVersionedSnakeCase(_ arguments: [String], status: Int32 = 0) throws {
        let result = try CompressBinary.run(arguments)
        #expect(result.status == status, "\(arguments): \(result.stderr)")
        let document = try JSONParser.parse(result.stdout)
        #expect(document["schema_version"] == .integer(1), "\(arguments)")
        let keys = keys(document)
        #expect(keys.count > 3, "\(arguments)")
        #expect(keys.filter { !isSnakeCase($0) } == [], "\(arguments)")
    }

    @Test func theKeyCheckRefusesCamelCase() {
        #expect(Self.isSnakeCase("tensors_quantized") && Self.isSnakeCase("group_0"))
        #expect(!Self.isSnakeCase("tensorsQuantized") && !Self.isSnakeCase("Tensors") && !Self.isSnakeCase("_x"))
    }

    @Test func oneshotSummaryAndDryRun() throws {
        let folder = TemporaryFolder("cli-json")
        try Self.expectVersionedSnakeCase(["oneshot", "--model", Self.model, "--recipe", Self.recipe, "--output", folder.file("out"), "--json"])
        try Self.expectVersionedSnakeCase(["oneshot", "--model", Self.model, "--recipe", Self.recipe, "--dry-run", "--json"])
    }

    @Test func inspect() throws {
        try Self.expectVersionedSnakeCase(["inspect", Self.model, "--tensors", "--json"])
    }

    @Test func bench() throws {
        let folder = TemporaryFolder("cli-json")
        try Self.expectVersionedSnakeCase(["bench", "--model", Self.model, "--runs", "1", "--scratch", folder.path, "--json"])
        let text = Fixtures.path("calibration/text.txt")
        try Self.expectVersionedSnakeCase(["bench", "--model", Self.runtimeModel, "--mode", "eval", "--text", text, "--context", "16",
                                           "--windows", "1", "--runs", "1", "--json"])
        try Self.expectVersionedSnakeCase(["bench", "--model", Self.runtimeModel, "--mode", "generate", "--max-tokens", "3", "--runs", "1", "--json"])
    }

    @Test func evalAndGenerate() throws {
        let text = Fixtures.path("calibration/text.txt")
        try Self.expectVersionedSnakeCase(["eval", "--model", Self.runtimeModel, "--text", text, "--context", "16", "--windows", "1", "--json"])
        try Self.expectVersionedSnakeCase(["generate", "--model", Self.runtimeModel, "--prompt", "Hello", "--max-tokens", "2", "--json"])
    }

    @Test func verifyReportAndUnreadableCheckpoint() throws {
        let folder = TemporaryFolder("cli-json")
        try Self.expectVersionedSnakeCase(["verify", Fixtures.path("tiny-llama--FP8_DYNAMIC"), "--against", Self.model, "--json"])
        try Self.expectVersionedSnakeCase(["verify", folder.path, "--json"], status: 2)
    }
}
