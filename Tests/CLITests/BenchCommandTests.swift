import Foundation
import JSON
import Testing
import TestSupport
@testable import compress_cli
import LLMCompressor

/// `compress bench` runs wherever it is started: its default recipe is built in.
@Suite struct BenchCommandTests {
    @Test func theDefaultRecipeIsFoundFromAnyFolder() throws {
        let folder = TemporaryFolder("cli-bench")
        let result = try CompressBinary.run(["bench", "--model", Fixtures.path("tiny-llama"), "--runs", "1", "--json"], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONParser.parse(result.stdout)
        #expect(report["recipe"] == .string(BenchCommand.builtInRecipeName))
        #expect(report["bytes_out"]?.integerValue == 1_714_688)
    }

    @Test func theBuiltInRecipeIsTheShippedFP8DynamicOne() throws {
        let builtIn = try Recipe.parse(yaml: BenchCommand.builtInRecipe, file: BenchCommand.builtInRecipeName)
        let shipped = try Recipe.load(path: Fixtures.repositoryRoot + "/recipes/fp8_dynamic.yaml")
        #expect(builtIn.savedYAML() == shipped.savedYAML())
    }
}
