import Checkpoint
import Foundation
import JSON
import Testing
import TestSupport
@testable import Runtime

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

    static func inOrder(sampleCount: Int = 1 << 20, maxSequenceLength: Int) -> CalibrationDataOptions {
        CalibrationDataOptions(sampleCount: sampleCount, maxSequenceLength: maxSequenceLength, shuffle: false)
    }

    // MARK: Plain text

    @Test(arguments: [("smollm2_text", false), ("byte_level_bpe_text", true)])
    func textWindowsAreTheWholeTextsIds(key: String, addsBOS: Bool) throws {
        let tokenizer = try addsBOS ? Self.byteLevel() : Self.smolLM2
        let expected = try Self.ids(Self.reference(key))
        let data = try CalibrationData.load(path: Self.fixture("text.txt"), tokenizer: tokenizer, options: Self.inOrder(maxSequenceLength: 100))
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
        var reader = PlainTextSamples(input: try input(), tokenizer: tokenizer, maxSequenceLength: 64)
        reader.preferredPieceSize = 300
        reader.maximumPieceSize = 100_000
        reader.concurrency = 3
        var selector = SampleSelector(Self.inOrder(maxSequenceLength: 64))
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

    @Test func shuffledSamplesAreDistinctWindowsChosenBySeed() throws {
        let path = Self.fixture("text.txt")
        let all = try CalibrationData.load(path: path, tokenizer: Self.smolLM2, options: Self.inOrder(maxSequenceLength: 16)).samples
        func shuffled(seed: UInt64) throws -> [[Int]] {
            try CalibrationData.load(path: path, tokenizer: Self.smolLM2,
                                     options: CalibrationDataOptions(sampleCount: 10, maxSequenceLength: 16, seed: seed)).samples
        }
        let first = try shuffled(seed: 42)
        #expect(first.count == 10)
        #expect(try shuffled(seed: 42) == first)
        #expect(try shuffled(seed: 43) != first)
        let positions = try first.map { sample in try #require(all.firstIndex(of: sample)) }
        #expect(Set(positions).count == 10)
        #expect(positions != positions.sorted())
    }

    @Test func everyCandidateCanBeChosen() throws {
        var seen = Set<Int>()
        for seed in UInt64(0)..<200 {
            var selector = SampleSelector(CalibrationDataOptions(sampleCount: 2, seed: seed))
            for candidate in 1...8 { selector.offer { [candidate] } }
            let chosen = selector.finish()
            #expect(chosen.count == 2 && chosen[0] != chosen[1])
            seen.formUnion(chosen.joined())
        }
        #expect(seen == Set(1...8))
    }

    /// Without shuffling, reading stops once the samples are read: after the first lines of a
    /// JSON Lines file, after the first piece of a text longer than one piece.
    @Test(arguments: [("records.jsonl", 1), ("text.txt", 200)])
    func inOrderKeepsTheFirstSamplesAndStopsReading(name: String, copies: Int) throws {
        let folder = TemporaryFolder("calibration")
        let path = try folder.write(name, Array(repeating: Array(try Fixtures.data("calibration/" + name)), count: copies).flatMap { $0 })
        let all = try CalibrationData.load(path: path, tokenizer: Self.smolLM2, options: Self.inOrder(maxSequenceLength: 16))
        let firstThree = try CalibrationData.load(path: path, tokenizer: Self.smolLM2, options: Self.inOrder(sampleCount: 3, maxSequenceLength: 16))
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

    @Test(arguments: ["text.txt", "records.jsonl"])
    func zstdGivesTheSameSamples(name: String) throws {
        let options = CalibrationDataOptions(sampleCount: 5, maxSequenceLength: 32)
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
        let options = Self.inOrder(maxSequenceLength: 64)
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
        var options = Self.inOrder(maxSequenceLength: 64)
        options.format = .txt
        let read = try CalibrationData.load(path: Self.fixture("records.jsonl"), tokenizer: Self.smolLM2, options: options)
        let text = String(decoding: try Fixtures.data("calibration/records.jsonl"), as: UTF8.self)
        #expect(Array(read.samples.joined()) == (try Self.smolLM2.encode(text, addSpecialTokens: true)))
    }
}
