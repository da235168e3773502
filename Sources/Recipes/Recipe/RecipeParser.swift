import Yams

/// Reads the structure of a recipe (stages, modifier groups, modifiers) and hands each modifier
/// to its own parser.
struct RecipeParser {
    let file: String

    private var start: SourcePosition { SourcePosition(file: file, line: 1, column: 1) }

    func parse(_ yaml: String) throws(RecipeError) -> Recipe {
        let bytes = yaml.utf8.count
        if bytes > Recipe.maxDocumentBytes {
            throw .documentTooLarge(start, bytes: bytes, limit: Recipe.maxDocumentBytes)
        }
        if let (line, column) = NestingGuard.firstExcess(in: yaml, limit: Recipe.maxNesting) {
            throw .nestingTooDeep(SourcePosition(file: file, line: line, column: column), limit: Recipe.maxNesting)
        }
        let composed: Node?
        do {
            composed = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw syntaxError(error, yaml: yaml)
        } catch {
            throw .yamlSyntax(start, message: "\(error)")
        }
        guard let composed else { throw .emptyDocument(start) }
        var builder = YAMLTreeBuilder(file: file, nodeLimit: Recipe.maxNodes)
        let root = try builder.build(composed)
        if root.isNull { throw .emptyDocument(root.position) }
        guard let entries = root.mappingEntries else {
            throw RecipeError.wrongType(root.position, key: "recipe", expected: "a mapping of stages or modifiers", found: root.summary)
        }
        if entries.isEmpty { throw .emptyDocument(root.position) }

        var stages: [RecipeStage] = []
        var flatIndex: Int?  // index in `stages` of the stage collecting flat modifiers
        func appendFlat(_ modifiers: [RecipeModifier]) {
            if let flatIndex {
                stages[flatIndex].modifiers += modifiers
            } else {
                flatIndex = stages.count
                stages.append(RecipeStage(name: "default_stage", modifiers: modifiers))
            }
        }

        for (name, keyNode, value) in try stringKeyed(entries, context: "recipe") {
            if name.hasSuffix("_stage") {
                stages.append(try parseStage(name: name, keyNode: keyNode, value: value))
            } else if name.hasSuffix("_modifiers") {
                appendFlat(try parseGroup(name: name, keyNode: keyNode, value: value))
            } else if ModifierNames.all.contains(name) {
                appendFlat([try parseModifier(name: name, keyNode: keyNode, value: value, group: "default")])
            } else {
                throw .unknownTopLevelKey(keyNode.position, key: name, suggestion: Self.topLevelSuggestion(for: name))
            }
        }
        let recipe = Recipe(stages: stages)
        try Self.checkAWQIsFollowedByQuantization(recipe.modifiers)
        return recipe
    }

    /// llm-compressor 0.14's recipe validator: every AWQModifier needs a QuantizationModifier or
    /// GPTQModifier after it, across all stages.
    private static func checkAWQIsFollowedByQuantization(_ modifiers: [RecipeModifier]) throws(RecipeError) {
        for (i, modifier) in modifiers.enumerated() {
            guard case let .awq(spec) = modifier else { continue }
            let quantizesLater = modifiers[(i + 1)...].contains {
                switch $0 {
                case .quantization, .gptq: return true
                case .smoothQuant, .awq: return false
                }
            }
            if !quantizesLater { throw .awqWithoutQuantization(spec.position) }
        }
    }

    private func parseStage(name: String, keyNode: YAMLNode, value: YAMLNode) throws(RecipeError) -> RecipeStage {
        guard let entries = value.mappingEntries else {
            throw RecipeError.wrongType(value.position, key: name, expected: "a mapping of modifier groups ('*_modifiers')", found: value.summary)
        }
        var modifiers: [RecipeModifier] = []
        for (groupName, groupKey, groupValue) in try stringKeyed(entries, context: name) {
            guard groupName.hasSuffix("_modifiers") else {
                throw .unknownStageKey(groupKey.position, key: groupName, suggestion: Self.groupSuggestion(for: groupName))
            }
            modifiers += try parseGroup(name: groupName, keyNode: groupKey, value: groupValue)
        }
        if modifiers.isEmpty { throw .noModifiers(keyNode.position, what: "stage '\(name)'") }
        return RecipeStage(name: name, modifiers: modifiers)
    }

    private func parseGroup(name: String, keyNode: YAMLNode, value: YAMLNode) throws(RecipeError) -> [RecipeModifier] {
        guard let entries = value.mappingEntries else {
            throw RecipeError.wrongType(value.position, key: name, expected: "a mapping of modifiers", found: value.summary)
        }
        // llm-compressor: group_key.replace("_modifiers", "")
        let group = name.replacingOccurrences(of: "_modifiers", with: "")
        var modifiers: [RecipeModifier] = []
        for (modifierName, modifierKey, modifierValue) in try stringKeyed(entries, context: name) {
            modifiers.append(try parseModifier(name: modifierName, keyNode: modifierKey, value: modifierValue, group: group))
        }
        if modifiers.isEmpty { throw .noModifiers(keyNode.position, what: "modifier group '\(name)'") }
        return modifiers
    }

    private func parseModifier(name: String, keyNode: YAMLNode, value: YAMLNode, group: String) throws(RecipeError) -> RecipeModifier {
        switch name {
        case ModifierNames.quantization:
            return .quantization(try QuantizationModifierParser(name: name, keyNode: keyNode, group: group).parse(value))
        case ModifierNames.gptq:
            return .gptq(try GPTQModifierParser(keyNode: keyNode, group: group).parse(value))
        case ModifierNames.smoothQuant:
            return .smoothQuant(try SmoothQuantModifierParser(keyNode: keyNode, group: group).parse(value))
        case ModifierNames.awq:
            return .awq(try AWQModifierParser(keyNode: keyNode, group: group).parse(value))
        default:
            break
        }
        if ModifierNames.needCalibration.contains(name) {
            throw .unsupportedModifier(keyNode.position, name: name, reason: "needs calibration data, not supported yet")
        }
        if ModifierNames.otherUnsupported.contains(name) {
            throw .unsupportedModifier(keyNode.position, name: name, reason: "is not supported yet")
        }
        throw .unknownModifier(keyNode.position, name: name, suggestion: EditDistance.suggestion(for: name, among: ModifierNames.all))
    }

    private static func topLevelSuggestion(for key: String) -> String? {
        if let modifier = EditDistance.suggestion(for: key, among: ModifierNames.all) { return modifier }
        for suffix in ["_stage", "_modifiers"] {
            if let base = nearSuffixBase(key, suffix) { return base + suffix }
        }
        return nil
    }

    private static func groupSuggestion(for key: String) -> String? {
        nearSuffixBase(key, "_modifiers").map { $0 + "_modifiers" }
    }

    /// The part before a misspelt `suffix` (e.g. "quant" for "quant_stages" or "quant_modifier").
    private static func nearSuffixBase(_ key: String, _ suffix: String) -> String? {
        guard let underscore = key.lastIndex(of: "_") else { return nil }
        let base = String(key[..<underscore]), tail = String(key[underscore...])
        guard !base.isEmpty, EditDistance.distance(tail, suffix) <= 2 else { return nil }
        return base
    }

    private func syntaxError(_ error: YamlError, yaml: String) -> RecipeError {
        func at(_ mark: Mark) -> SourcePosition { SourcePosition(file: file, line: mark.line, column: mark.column) }
        func text(_ problem: String, _ context: YamlError.Context?) -> String {
            guard let context else { return problem }
            return "\(problem) (\(context.text) at \(context.mark.line):\(context.mark.column))"
        }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            return .yamlSyntax(at(mark), message: text(problem, context))
        case let .reader(problem, offset, _, _):
            return .yamlSyntax(position(ofUTF8Offset: offset ?? 0, in: yaml), message: problem)
        default:
            return .yamlSyntax(start, message: "\(error)")
        }
    }

    private func position(ofUTF8Offset offset: Int, in text: String) -> SourcePosition {
        var line = 1, column = 1, consumed = 0
        for scalar in text.unicodeScalars {
            if consumed >= offset { break }
            consumed += String(scalar).utf8.count
            if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return SourcePosition(file: file, line: line, column: column)
    }
}
