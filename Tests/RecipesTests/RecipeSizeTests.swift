import Testing
@testable import Recipes

/// Large but flat recipes are read; deeply nested ones are refused before Yams recurses into them.
@Suite struct RecipeSizeTests {
    static func ignoreList(_ patterns: [String], flow: Bool) -> String {
        let list = flow ? "[\(patterns.joined(separator: ", "))]" : "\n" + patterns.map { "    - \($0)" }.joined(separator: "\n")
        return "QuantizationModifier:\n  targets: [Linear]\n  scheme: FP8_DYNAMIC\n  ignore: \(list)\n"
    }

    /// Where the nesting bound first exceeds 10, as [line, column].
    static func excess(_ yaml: String) -> [Int]? {
        NestingGuard.firstExcess(in: yaml, limit: 10).map { [$0.line, $0.column] }
    }

    /// A list of a thousand and more `re:` patterns, flow or block, is one level deep, not one per
    /// pattern (the colon of `re:x` is no indicator).
    @Test(arguments: [true, false])
    func aLongFlatListOfPatternsIsRead(_ flow: Bool) throws {
        let patterns = (0...1500).map { "re:model.layers.\($0).mlp.*" }
        let recipe = try Recipe.parse(yaml: Self.ignoreList(patterns, flow: flow), file: "r.yaml")
        #expect(try #require(recipe.onlyQuantization).ignore.count == 1501)
    }

    /// Flow mappings and single-pair mappings side by side on one line are one level each.
    @Test func manyPairsOnOneLineAreOneLevel() {
        let pairs = (0..<1500).map { "k\($0): \($0)" }.joined(separator: ", ")
        #expect(Self.excess("a: {\(pairs)}\nb: [\(pairs)]\n") == nil)
    }

    /// What nests is still counted: flow brackets, single-pair mappings inside sequences, block
    /// indicators on one line, indentation.
    @Test func realNestingIsCounted() {
        #expect(Self.excess(String(repeating: "[", count: 11)) == [1, 11])
        #expect(Self.excess(String(repeating: "[", count: 10)) == nil)
        #expect(Self.excess(String(repeating: "[a: ", count: 6)) != nil)
        #expect(Self.excess(String(repeating: "[a:", count: 6)) != nil)
        #expect(Self.excess(String(repeating: "[re:x, ", count: 6)) == nil)
        #expect(Self.excess(String(repeating: "[\"a\":", count: 6)) != nil)
        #expect(Self.excess(String(repeating: "- ", count: 11) + "x\n") == [1, 21])
        #expect(Self.excess("a:\n" + String(repeating: " ", count: 11) + "b: c\n") == [2, 12])
        #expect(Self.excess("# " + String(repeating: "[", count: 50) + "\nx: y\n") == nil)
    }

    @Test func deepNestingIsRefusedAtItsPosition() {
        let yaml = "QuantizationModifier:\n  ignore: " + String(repeating: "[", count: Recipe.maxNesting + 1)
        guard case let .nestingTooDeep(position, limit)? = parseError(yaml, file: "deep.yaml") else {
            Issue.record("deep nesting not refused: \(String(describing: parseError(yaml)))")
            return
        }
        #expect(position.line == 2 && limit == Recipe.maxNesting)
    }

    /// Duplicate keys are found by hashing, among thousands of keys as among two: the error names
    /// the second and where the first was.
    @Test func aDuplicateAmongThousandsOfKeysIsFound() {
        let keys = (0..<20_000).map { "  k\($0): \($0)" }.joined(separator: "\n")
        let yaml = "extra:\n" + keys + "\n  k7: again\n"
        #expect(parseError(yaml, file: "dup.yaml") == .duplicateKey(SourcePosition(file: "dup.yaml", line: 20_002, column: 3),
                                                                    key: "k7", first: SourcePosition(file: "dup.yaml", line: 9, column: 3)))
    }
}
