import LLMCompressor

/// One input is the text of a recipe (invalid UTF-8 is repaired, as `String(decoding:)` does).
/// A recipe that parses is saved as llm-compressor saves it; the saved text must parse again and
/// save to the same text, unless it holds Python objects (`!!python/...` tags, as llm-compressor
/// 0.14 writes for GPTQ's resolved actorder), which a safe YAML loader refuses, as ours does.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecipe(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let recipe = try? Recipe.parse(yaml: text, file: "recipe.yaml") else { return 0 }
    let saved = recipe.savedYAML()
    if saved.contains("!!python/") { return 0 }
    let reloaded: Recipe
    do { reloaded = try Recipe.parse(yaml: saved, file: "saved.yaml") } catch {
        fatalError("the saved recipe does not parse: \(error)\n\(saved)")
    }
    guard reloaded.savedYAML() == saved else { fatalError("saving the reloaded recipe changes it:\n\(saved)") }
    return 0
}
