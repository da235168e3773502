import Modifiers
import Recipes
import Testing
import TestSupport

/// `Recipe.load(path:)` reads a recipe file as every input is read: a file that cannot be read is
/// one error naming it, and a FIFO or a folder is refused before it is opened.
@Suite struct RecipeLoadTests {
    @Test func aShippedRecipeLoadsAndKeepsItsPath() throws {
        let path = Fixtures.repositoryRoot + "/recipes/fp8_dynamic.yaml"
        let recipe = try Recipe.load(path: path)
        #expect(recipe.file == path)
        #expect(recipe.modifiers.map(\.name) == ["QuantizationModifier"])
    }

    @Test func unreadableFile() {
        do {
            _ = try Recipe.load(path: "/nonexistent/recipe.yaml")
            Issue.record("accepted a missing file")
        } catch {
            guard case .fileUnreadable = error else { Issue.record("\(error)"); return }
            #expect(error.description.hasPrefix("/nonexistent/recipe.yaml: cannot read recipe"))
        }
    }

    @Test func aFIFOOrAFolderIsRefusedWithoutBlocking() throws {
        let folder = TemporaryFolder("recipe")
        let fifo = try FIFO(folder.file("recipe.yaml"))
        let (thrown, blocked) = fifo.run { Result { try Recipe.load(path: fifo.path) } }
        #expect(!blocked, "reading the recipe waited on the FIFO")
        #expect(throws: RecipeError.fileUnreadable(path: fifo.path, reason: "a FIFO (named pipe), not a regular file")) { try thrown.get() }
        #expect(throws: RecipeError.fileUnreadable(path: folder.path, reason: "a folder, not a regular file")) { try Recipe.load(path: folder.path) }
    }
}
