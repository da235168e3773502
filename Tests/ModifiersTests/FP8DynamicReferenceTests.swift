import Checkpoint
import Foundation
import Modifiers
import Recipes
import Testing
import TestSupport

/// `oneshot` with FP8_DYNAMIC on the tiny Llama gives llm-compressor 0.14's output: every tensor
/// byte for byte, config.json and recipe.yaml byte for byte.
@Suite struct FP8DynamicReferenceTests {
    static let reference = Fixtures.path("tiny-llama--FP8_DYNAMIC")

    static func compress(recipe: String, threads: Int = 2) throws -> (TemporaryFolder, String) {
        let folder = TemporaryFolder("oneshot")
        let output = folder.file("out")
        let parsed = try Recipe.parse(yaml: recipe, file: "recipe.yaml")
        try Compressor.run(model: Fixtures.path("tiny-llama"), recipe: parsed, output: output,
                           options: OneshotOptions(threads: threads))
        return (folder, output)
    }

    static let flatRecipe = """
        QuantizationModifier:
          targets: Linear
          scheme: FP8_DYNAMIC
          ignore: [lm_head]
        """

    @Test(arguments: [1, 2, 3])
    func everyTensorMatchesTheReference(threads: Int) throws {
        let (folder, output) = try Self.compress(recipe: Self.flatRecipe, threads: threads)
        let ours = try Checkpoint(directory: output)
        let theirs = try Checkpoint(directory: Self.reference)
        #expect(Set(ours.tensors.map(\.name)) == Set(theirs.tensors.map(\.name)))
        for tensor in theirs.tensors {
            let mine = try #require(ours.tensor(named: tensor.name))
            #expect(mine.info.dtype == tensor.info.dtype, "\(tensor.name)")
            #expect(mine.info.shape == tensor.info.shape, "\(tensor.name)")
            #expect(Array(ours.data(mine)) == Array(theirs.data(tensor)), "\(tensor.name)")
        }
        _ = folder
    }

    @Test func configAndRecipeMatchTheReferenceByteForByte() throws {
        let (folder, output) = try Self.compress(recipe: Self.flatRecipe)
        for file in ["config.json", "recipe.yaml", "generation_config.json"] {
            let mine = try Data(contentsOf: URL(fileURLWithPath: output + "/" + file))
            let theirs = try Data(contentsOf: URL(fileURLWithPath: Self.reference + "/" + file))
            #expect(mine == theirs, "\(file)")
        }
        _ = folder
    }

    @Test func theSavedRecipeFormGivesTheSameOutput() throws {
        let saved = String(decoding: try Fixtures.data("tiny-llama--FP8_DYNAMIC/recipe.yaml"), as: UTF8.self)
        let (folderA, a) = try Self.compress(recipe: saved)
        let (folderB, b) = try Self.compress(recipe: Self.flatRecipe)
        let x = try Data(contentsOf: URL(fileURLWithPath: a + "/model.safetensors"))
        let y = try Data(contentsOf: URL(fileURLWithPath: b + "/model.safetensors"))
        #expect(x == y)
        _ = (folderA, folderB)
    }
}
