import Checkpoint
import Foundation
import JSON
import Testing
import TestSupport
@testable import Tokenizers

/// Calibration data files: ids against transformers' (`calibration/reference.json`, written by
/// `calibration/generate.py` with llm-compressor's tokenization settings), windows and
/// truncation, the seeded selection, and zstd against the uncompressed files.
@Suite struct CalibrationDataTests {
    static let smolLM2Loaded = Result { () throws(TokenizerError) -> Tokenizer in try Tokenizer(path: Fixtures.path("smollm2-tokenizer")) }
    /// SmolLM2's tokenizer (ChatML template in chat_template.jinja, no BOS), loaded once.
    static var smolLM2: Tokenizer { get throws { try smolLM2Loaded.get() } }
    /// A Llama-3-style tokenizer whose post-processor puts a BOS first.
    static func byteLevel() throws -> Tokenizer { try Tokenizer(path: Fixtures.path("tokenizers/byte-level-bpe")) }

    static func reference(_ key: String) throws -> JSONValue {
        let json = try JSONParser.parse(String(decoding: Fixtures.data("calibration/reference.json"), as: UTF8.self))
        return try #require(json[key])
    }

    static func ids(_ value: JSONValue) -> [Int] { (value.arrayValue ?? []).compactMap { $0.integerValue.map(Int.init) } }

    static func fixture(_ name: String) -> String { Fixtures.path("calibration/" + name) }

    static func inOrder(sampleCount: Int = 1 << 20, maxSequenceLength: Int, textSamples: CalibrationTextSamples = .lines) -> CalibrationDataOptions {
        CalibrationDataOptions(sampleCount: sampleCount, maxSequenceLength: maxSequenceLength, shuffle: false, textSamples: textSamples)
    }

    /// `inOrder` for text windows.
    static func windows(sampleCount: Int = 1 << 20, maxSequenceLength: Int) -> CalibrationDataOptions {
        inOrder(sampleCount: sampleCount, maxSequenceLength: maxSequenceLength, textSamples: .windows)
    }

    // MARK: Plain text

    @Test(arguments: [("smollm2_text", false), ("byte_level_bpe_text", true)])
    func textWindowsAreTheWholeTextsIds(key: String, addsBOS: Bool) throws {
        let tokenizer = try addsBOS ? Self.byteLevel() : Self.smolLM2
        let expected = try Self.ids(Self.reference(key))
        let data = try CalibrationData.load(path: Self.fixture("text.txt"), tokenizer: tokenizer, options: Self.windows(maxSequenceLength: 100))
        #expect(Array(data.samples.joined()) == expected)
        #expect(data.samples.dropLast().allSatisfy { $0.count == 100 })
        #expect(data.samples.last?.count == expected.count % 100)
        #expect(data.samples.count == (expected.count + 99) / 100)
        if addsBOS { #expect(data.samples[0][0] == tokenizer.id(of: "<|begin_of_text|>")) }
        #expect(data.statistics == CalibrationData.Statistics(
            bytesRead: try Fixtures.data("calibration/text.txt").count, documentsRead: data.samples.count,
            tokenCount: expected.count, stoppedAtInputLimit: false))
        #expect(data.source == Self.fixture("text.txt"))
    }

    /// Tokenized in small pieces cut at line breaks, a text gives the ids of the whole with
    /// tokenizers whose pre-tokenizer splits words at line breaks (ByteLevel with the GPT-2
    /// pattern, Split with the Llama-3 pattern). (Without a pre-tokenizer, SentencePiece-style BPE
    /// can merge across a line break, and a cut loses that merge.)
    @Test(arguments: ["smollm2-tokenizer", "tokenizers/byte-level-bpe"])
    func textPiecesGiveTheIdsOfTheWholeText(tokenizerFolder: String) throws {
        let tokenizer = try Tokenizer(path: Fixtures.path(tokenizerFolder))
        let path = Fixtures.path("text/GPL-3")
        let whole = tokenizer.encode(String(decoding: try Fixtures.data("text/GPL-3"), as: UTF8.self), addSpecialTokens: true)
        func input() throws -> BufferedInput {
            BufferedInput(reader: try openByteReader(path: path, namedCompressed: false), file: path, byteLimit: 1 << 30)
        }
        var reader = TextWindowSamples(input: try input(), tokenizer: tokenizer, maxSequenceLength: 64)
        reader.preferredPieceSize = 300
        reader.maximumPieceSize = 100_000
        reader.concurrency = 3
        var selector = SampleSelector(first: .max)
        try reader.read(into: &selector)
        #expect(Array(selector.finish().joined()) == whole)

        let pieces = try input()
        var count = 0
        while try pieces.nextPiece(preferredSize: 300, maximumSize: 100_000) != nil { count += 1 }
        #expect(count > 50)
    }

    @Test func textPiecesEndAtLineBreaksBetweenPrintableCharacters() throws {
        let folder = TemporaryFolder("calibration")
        let text = "aaaa\n\nbbbb\n cc\ndd\nee\n" + String(repeating: "f", count: 40) + "\n"
        let path = try folder.write("t.txt", text: text)
        let input = BufferedInput(reader: try openByteReader(path: path, namedCompressed: false), file: path, byteLimit: 1 << 30)
        var pieces: [(String, Int)] = []
        while let piece = try input.nextPiece(preferredSize: 2, maximumSize: 30) {
            pieces.append((String(decoding: piece.bytes, as: UTF8.self), piece.firstLine))
        }
        // Not after "aaaa" (a blank line follows), nor before " cc"; the last line is longer than the
        // maximum, and has no space: it is cut at the maximum.
        #expect(pieces.map(\.0) == ["aaaa\n\nbbbb\n cc\n", "dd\n", "ee\n", String(repeating: "f", count: 30), String(repeating: "f", count: 10) + "\n"])
        #expect(pieces.map(\.1) == [1, 5, 6, 7, 7])
        #expect(input.lineNumber == 7)
    }

    // MARK: JSON Lines

    @Test func jsonLinesRecordsMatchTransformers() throws {
        let expected = try Self.reference("smollm2_records").arrayValue!.map(Self.ids)
        let maxLength = Int(try #require(Self.reference("max_length").integerValue))
        let data = try CalibrationData.load(path: Self.fixture("records.jsonl"), tokenizer: Self.smolLM2,
                                            options: Self.inOrder(maxSequenceLength: maxLength))
        #expect(data.samples == expected)
        #expect(data.samples.contains { $0.count == maxLength })
        #expect(data.statistics.documentsRead == expected.count)
        #expect(data.statistics.tokenCount == expected.reduce(0) { $0 + $1.count })
    }

    @Test func jsonLinesTextGetsTheBOSAndIsTruncatedAfterIt() throws {
        let tokenizer = try Self.byteLevel()
        let folder = TemporaryFolder("calibration")
        let long = String(repeating: "free software ", count: 40)
        let path = try folder.write("r.jsonl", text: "{\"text\": \"\(long)\"}\n{\"text\": \"short\"}\n")
        let data = try CalibrationData.load(path: path, tokenizer: tokenizer, options: Self.inOrder(maxSequenceLength: 16))
        let bos = try #require(tokenizer.id(of: "<|begin_of_text|>"))
        #expect(data.samples == [[bos] + tokenizer.encode(long).prefix(15), [bos] + tokenizer.encode("short")])
    }

    // MARK: Selection

    /// Shuffled, the samples are the candidates (lines, windows) at the first positions of
    /// NumPy's `default_rng(seed).permutation(candidates)`, in that order, as Hugging Face
    /// datasets' `shuffle(seed=seed).select(range(count))` takes them.
    @Test(arguments: [CalibrationTextSamples.lines, .windows])
    func shuffledSamplesAreTheCandidatesAtTheSeedsPermutation(textSamples: CalibrationTextSamples) throws {
        let path = Self.fixture("text.txt")
        let all = try CalibrationData.load(path: path, tokenizer: Self.smolLM2,
                                           options: Self.inOrder(maxSequenceLength: 16, textSamples: textSamples)).samples
        func shuffled(seed: UInt64) throws -> CalibrationData {
            try CalibrationData.load(path: path, tokenizer: Self.smolLM2,
                                     options: CalibrationDataOptions(sampleCount: 10, maxSequenceLength: 16, seed: seed, textSamples: textSamples))
        }
        for seed: UInt64 in [42, 43] {
            var generator = PCG64(seed: seed)
            let data = try shuffled(seed: seed)
            #expect(data.samples == generator.permutation(all.count).prefix(10).map { all[$0] })
            #expect(data.statistics.documentsRead == all.count)
        }
        #expect(try shuffled(seed: 42).samples != shuffled(seed: 43).samples)
    }

    /// Lines of a text are samples each, without their line break (`\r\n` too); blank lines are none.
    @Test func textLinesAreSamplesAndBlankLinesAreNone() throws {
        let folder = TemporaryFolder("calibration")
        let path = try folder.write("lines.txt", text: "first line\n\n  \t\nsecond line\r\nthird")
        let smolLM2 = try Self.smolLM2
        let data = try CalibrationData.load(path: path, tokenizer: smolLM2, options: Self.inOrder(maxSequenceLength: 2))
        #expect(data.samples == ["first line", "second line", "third"].map { smolLM2.encode($0, addSpecialTokens: true, maxLength: 2) })
        #expect(data.statistics.documentsRead == 3)
    }

    /// Records of token ids are samples as they are, cut to the maximum length.
    @Test func inputIdsAreSamplesAsTheyAre() throws {
        let folder = TemporaryFolder("calibration")
        let path = try folder.write("ids.jsonl", text: "{\"input_ids\": [5, 6, 7, 8], \"text\": \"ignored\"}\n{\"input_ids\": [9]}\n")
        let data = try CalibrationData.load(path: path, tokenizer: Self.smolLM2, options: Self.inOrder(maxSequenceLength: 3))
        #expect(data.samples == [[5, 6, 7], [9]])
    }

    /// Without a tokenizer (a model without tokenizer.json), records of token ids are read as with
    /// one, bounded by the model's vocabulary; anything to tokenize is an error naming its file and line.
    @Test func withoutATokenizerOnlyInputIdsAreRead() throws {
        let folder = TemporaryFolder("calibration")
        let ids = try folder.write("ids.jsonl", text: "{\"input_ids\": [5, 6, 7, 8]}\n{\"input_ids\": [9]}\n")
        let data = try CalibrationData.load(path: ids, tokenizer: nil, vocabularySize: 10, options: Self.inOrder(maxSequenceLength: 3))
        #expect(data.samples == [[5, 6, 7], [9]])
        let reason = "cannot be read without the model's tokenizer, and the model folder has no tokenizer.json; give JSON Lines of 'input_ids' records instead"
        #expect(throws: TokenizerError.calibrationData(file: ids, line: 1, reason: "'input_ids[3]' is 8, expected a token id below the vocabulary size 8")) {
            try CalibrationData.load(path: ids, tokenizer: nil, vocabularySize: 8, options: Self.inOrder(maxSequenceLength: 8))
        }
        let mixed = try folder.write("mixed.jsonl", text: "{\"input_ids\": [1]}\n{\"text\": \"hello\"}\n")
        #expect(throws: TokenizerError.calibrationData(file: mixed, line: 2, reason: "'text' records " + reason)) {
            try CalibrationData.load(path: mixed, tokenizer: nil, options: Self.inOrder(maxSequenceLength: 8))
        }
        let chat = try folder.write("chat.jsonl", text: "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n")
        #expect(throws: TokenizerError.calibrationData(file: chat, line: 1, reason: "'messages' records " + reason)) {
            try CalibrationData.load(path: chat, tokenizer: nil, options: Self.inOrder(maxSequenceLength: 8))
        }
        let text = try folder.write("t.txt", text: "some text\n")
        #expect(throws: TokenizerError.calibrationData(file: text, line: nil, reason: "a text file " + reason)) {
            try CalibrationData.load(path: text, tokenizer: nil, options: Self.inOrder(maxSequenceLength: 8))
        }
    }

    /// Without shuffling, reading stops once the samples are read: after the first lines of a
    /// JSON Lines file, after the first piece of a text longer than one piece.
    @Test(arguments: [("records.jsonl", 1, CalibrationTextSamples.lines), ("text.txt", 200, .windows), ("text.txt", 1, .lines)])
    func inOrderKeepsTheFirstSamplesAndStopsReading(name: String, copies: Int, textSamples: CalibrationTextSamples) throws {
        let folder = TemporaryFolder("calibration")
        let path = try folder.write(name, Array(repeating: Array(try Fixtures.data("calibration/" + name)), count: copies).flatMap { $0 })
        let all = try CalibrationData.load(path: path, tokenizer: Self.smolLM2, options: Self.inOrder(maxSequenceLength: 16, textSamples: textSamples))
        let firstThree = try CalibrationData.load(path: path, tokenizer: Self.smolLM2,
                                                  options: Self.inOrder(sampleCount: 3, maxSequenceLength: 16, textSamples: textSamples))
        #expect(firstThree.samples == Array(all.samples.prefix(3)))
        #expect(firstThree.statistics.documentsRead == 3)
        #expect(firstThree.statistics.bytesRead < all.statistics.bytesRead)
    }

    @Test func readingStopsAtTheInputLimitAtALineBreak() throws {
        let folder = TemporaryFolder("calibration")
        let path = try folder.write("r.jsonl", text: "{\"text\": \"one\"}\n{\"text\": \"two\"}\n{\"text\": \"three\"}\n")
        let options = CalibrationDataOptions(maxSequenceLength: 8, shuffle: false, maxInputBytes: 40)
        let smolLM2 = try Self.smolLM2
        let data = try CalibrationData.load(path: path, tokenizer: smolLM2, options: options)
        #expect(data.samples == [smolLM2.encode("one"), smolLM2.encode("two")])
        #expect(data.statistics.stoppedAtInputLimit)
        #expect(data.statistics.bytesRead == 32)
        let exact = try CalibrationData.load(path: path, tokenizer: Self.smolLM2, options: CalibrationDataOptions(maxInputBytes: 50))
        #expect(!exact.statistics.stoppedAtInputLimit && exact.samples.count == 3)
    }

    // MARK: zstd

    @Test(arguments: [("text.txt", CalibrationTextSamples.windows), ("text.txt", .lines), ("records.jsonl", .lines)])
    func zstdGivesTheSameSamples(name: String, textSamples: CalibrationTextSamples) throws {
        let options = CalibrationDataOptions(sampleCount: 5, maxSequenceLength: 32, textSamples: textSamples)
        let plain = try CalibrationData.load(path: Self.fixture(name), tokenizer: Self.smolLM2, options: options)
        let compressed = try CalibrationData.load(path: Self.fixture(name + ".zst"), tokenizer: Self.smolLM2, options: options)
        #expect(compressed.samples == plain.samples)
        #expect(compressed.statistics == plain.statistics)
    }

    /// Concatenated frames, a skippable frame, and a compressed file without the `.zst` name.
    @Test func zstdFramesAreReadInOrderWhateverTheName() throws {
        let folder = TemporaryFolder("calibration")
        let frame = Array(try Fixtures.data("calibration/text.txt.zst"))
        let skippable: [UInt8] = [0x50, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 1, 2, 3]
        let text = Array(try Fixtures.data("calibration/text.txt"))
        let doubled = try folder.write("doubled.txt", text + text)
        let compressed = try folder.write("compressed.txt", skippable + frame + frame)
        let options = Self.windows(maxSequenceLength: 64)
        let expected = try CalibrationData.load(path: doubled, tokenizer: Self.smolLM2, options: options)
        let read = try CalibrationData.load(path: compressed, tokenizer: Self.smolLM2, options: options)
        #expect(read.samples == expected.samples)
        #expect(read.statistics.bytesRead == 2 * text.count)
    }

    // MARK: Names without a known extension

    /// A file named without .txt or .jsonl is read by its first byte that is not white space
    /// (after decompression): `{` for JSON Lines, anything else for text.
    @Test(arguments: [("records.jsonl", "records"), ("records.jsonl.zst", "records.zst"), ("records.jsonl.zst", "records.data"),
                      ("text.txt", "text"), ("text.txt.zst", "text.bin")])
    func unknownNamesAreReadByTheirContent(fixture: String, name: String) throws {
        let folder = TemporaryFolder("calibration")
        let copy = try folder.write(name, Array(try Fixtures.data("calibration/" + fixture)))
        let options = CalibrationDataOptions(sampleCount: 5, maxSequenceLength: 32)
        let expected = try CalibrationData.load(path: Self.fixture(fixture), tokenizer: Self.smolLM2, options: options)
        let read = try CalibrationData.load(path: copy, tokenizer: Self.smolLM2, options: options)
        #expect(read.samples == expected.samples)
    }

    @Test func whiteSpaceAndAByteOrderMarkBeforeTheFirstRecordAreSkipped() throws {
        let folder = TemporaryFolder("calibration")
        let records = Array(try Fixtures.data("calibration/records.jsonl"))
        let copy = try folder.write("records.data", [0xEF, 0xBB, 0xBF] + Array(" \n\t\r\n".utf8) + records)
        #expect(try CalibrationFormat(path: copy, declared: nil).content == .jsonl)
    }

    @Test func aDeclaredFormatWinsOverTheName() throws {
        var options = Self.windows(maxSequenceLength: 64)
        options.format = .txt
        let read = try CalibrationData.load(path: Self.fixture("records.jsonl"), tokenizer: Self.smolLM2, options: options)
        let text = String(decoding: try Fixtures.data("calibration/records.jsonl"), as: UTF8.self)
        #expect(Array(read.samples.joined()) == (try Self.smolLM2.encode(text, addSpecialTokens: true)))
    }
}
