import Testing
@testable import Tokenizers

/// The hand-written scans of the well-known split patterns give exactly the generic regex
/// program's matches.
@Suite struct KnownSplitPatternTests {
    static let llama3Pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2Pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let patterns = [PreTokenizer.gpt2Pattern, llama3Pattern, qwen2Pattern]

    static let trickyTexts: [String] = [
        "", " ", "  ", "\n", "a", "'", "''", "'s", "'S", "'t'T're'RE'Re've'VE'm'M'll'LL'lL'd'D", "'r", "'l", "'le", "'ve'",
        "I'm sure they'll say it's what we'd've done, DON'T YOU'LL", "x's 's  's",
        "1", "12", "123", "1234", "12345678", " 1234 5 67", "a1b22c333d4444", "٣٤٥ ½¾ Ⅻ ²³", "3.14159e-10",
        "Hello   world's\r\n", "a  b   c    d", "trailing   ", "   leading", "\t\tindented\n\n\nlines\r\n\r\nend",
        "  \n  x", " \n", "\n ", "x \n\n y", "x\r\ry", " \r\n\t ", "a\u{A0}\u{A0}b\u{2003}c\u{3000}\u{3000}\u{3000}d",
        "!!!???", " !!", "!!\n\n", " ...\r\n", "(a)[b]{c}", "don't-stop--now", "x+y=z", "#1 @user $5",
        "naïve café résumé", "e\u{301}t\u{E9}", "Ελληνικά κείμενα", "Русский ТЕКСТ", "日本語のテキスト", "한국어 텍스트",
        "עברית", "العربية ١٢٣", "हिन्दी", "ไทย", "\u{301}\u{301}a", " \u{301}", "\u{200D}\u{200B}\u{FEFF}",
        "emoji 👍🏽 👨‍👩‍👧 🇫🇷!", " 😀😀", "\u{1D400}\u{1D7CE}\u{10400}", "\u{E000}\u{F8FF}", "\u{0}\u{1}\u{7F}",
        "\u{FFFD}\u{FFFD}", "a\u{2028}b\u{2029}c\u{85}d", "ſ 'ſ 'K 'K",
    ]

    static func fastAndGeneric(_ pattern: String, _ text: String) throws -> (fast: [Range<Int>], generic: [Range<Int>]) {
        let scalars = Array(text.unicodeScalars)
        return (try ScalarRegex(pattern).matches(in: scalars),
                try ScalarRegex(pattern, recognizingKnownPatterns: false).matches(in: scalars))
    }

    @Test(arguments: patterns) func knownPatternsAreRecognized(_ pattern: String) {
        #expect(KnownSplitPattern(pattern) != nil)
        #expect(KnownSplitPattern(pattern + "|x") == nil)
    }

    @Test(arguments: patterns) func trickyTextsSplitAsTheGenericProgramSplitsThem(_ pattern: String) throws {
        for text in Self.trickyTexts {
            let (fast, generic) = try Self.fastAndGeneric(pattern, text)
            #expect(fast == generic, "\(text.debugDescription)")
        }
    }

    /// Random mixtures of the scalars the patterns tell apart, from a fixed seed.
    @Test(arguments: patterns) func randomTextsSplitAsTheGenericProgramSplitsThem(_ pattern: String) throws {
        let alphabet = Array("aZé ſ'sStTrReEvVmMlLdD19٣½\u{301}\u{A0}\u{3000}\t\n\r.!-_😀中".unicodeScalars) + ["\u{2028}", "\u{1D7CE}", "\u{FFFD}"]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func nextIndex(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        for _ in 0..<2000 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<nextIndex(24) { scalars.append(alphabet[nextIndex(alphabet.count)]) }
            let text = String(scalars)
            let (fast, generic) = try Self.fastAndGeneric(pattern, text)
            #expect(fast == generic, "\(text.debugDescription)")
        }
    }

    @Test func scalarKindsFollowTheRegexClasses() throws {
        let letter = try ScalarRegex(#"\p{L}"#), number = try ScalarRegex(#"\p{N}"#), space = try ScalarRegex(#"\s"#)
        for value in stride(from: UInt32(0), through: 0x10FFFF, by: 31) {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let expected: ScalarKind = !space.matches(in: [scalar]).isEmpty ? .space
                : !letter.matches(in: [scalar]).isEmpty ? .letter : !number.matches(in: [scalar]).isEmpty ? .number : .other
            #expect(ScalarKind.of(scalar) == expected, "U+\(String(value, radix: 16))")
        }
    }
}
