import Foundation

/// Which existing folders an output may replace: an empty one, or a compressed checkpoint such as
/// this tool (or llm-compressor) writes, recognised by its shape: files only (no subfolder, so
/// never a project holding `.git`, a folder of models or a home folder), a config.json with a
/// `quantization_config`, a recipe.yaml and at least one `.safetensors` file. Anything else is
/// never deleted, whatever the options.
enum ReplaceableOutput {
    /// config.json files larger than this are not read (a model's is a few kilobytes).
    static let maxConfigBytes = 16 << 20

    /// Why the existing `path` must not be replaced, or nil when it may be (or does not exist).
    static func refusal(_ path: String, overwrite: Bool) -> String? {
        guard FolderPaths.exists(path) else { return nil }
        guard FolderPaths.isDirectory(path) else { return "exists and is not a folder" }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path).sorted() else {
            return "exists and cannot be listed: \(String(cString: strerror(errno)))"
        }
        if names.isEmpty { return nil }
        let never = "it is never replaced; choose another output"
        if let folder = names.first(where: { FolderPaths.isDirectory(path + "/" + $0) }) {
            return "does not look like a compressed checkpoint (it holds the folder \(folder)): \(never)"
        }
        let missing = [
            hasQuantizationConfig(path + "/" + ModelConfig.fileName) ? nil : "config.json with a quantization_config",
            names.contains("recipe.yaml") ? nil : "recipe.yaml",
            names.contains { $0.hasSuffix(".safetensors") } ? nil : ".safetensors file",
        ].compactMap { $0 }
        if !missing.isEmpty {
            return "does not look like a compressed checkpoint (no \(missing.joined(separator: ", no "))): \(never)"
        }
        return overwrite ? nil : "already holds a checkpoint (pass --overwrite to replace it)"
    }

    /// Whether `path` is a regular file holding a JSON object with a `quantization_config` object.
    private static func hasQuantizationConfig(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, Int(info.st_size) <= maxConfigBytes,
              let config = try? ModelConfig(path: path), case .object? = config.json["quantization_config"] else { return false }
        return true
    }
}
