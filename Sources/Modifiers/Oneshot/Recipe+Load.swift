import Checkpoint
import Recipes

extension Recipe {
    /// Reads and parses the recipe at `path` (`parse(document:file:)`). It is read as every input
    /// is (`MappedFile`): anything but a regular file is refused before it is opened. Read failures
    /// are `RecipeError.fileUnreadable`.
    public static func load(path: String) throws(RecipeError) -> Recipe {
        let file: MappedFile
        do { file = try MappedFile(path: path) } catch {
            guard case let .cannotOpen(_, reason) = error else { throw .fileUnreadable(path: path, reason: "\(error)") }
            throw .fileUnreadable(path: path, reason: reason)
        }
        defer { withExtendedLifetime(file) {} }
        var recipe = try parse(document: file.bytes, file: path)
        recipe.file = path
        return recipe
    }
}
