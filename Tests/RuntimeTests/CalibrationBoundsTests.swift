import Checkpoint
import Foundation
import Testing
import TestSupport
@testable import Runtime

/// What bounds the memory and time a calibration file can take: plain text is tokenized in pieces
/// of bounded size however long its lines, and no more than `maxInputBytes` of a file is read.
@Suite struct CalibrationBoundsTests {
    let folder = TemporaryFolder("calibration-bounds")

    func pieces(of text: String, preferredSize: Int, maximumSize: Int) throws -> [String] {
        let path = try folder.write("t-\(UUID().uuidString).txt", text: text)
        let input = BufferedInput(reader: try openByteReader(path: path, namedCompressed: false), file: path, byteLimit: 1 << 30)
        var pieces: [String] = []
        while let piece = try input.nextPiece(preferredSize: preferredSize, maximumSize: maximumSize) {
            pieces.append(try #require(String(validating: piece.bytes, as: UTF8.self)))
        }
        return pieces
    }

    /// One long line is cut before spaces between printable characters, in pieces of at most the
    /// maximum size.
    @Test func aLongLineIsCutBeforeSpaces() throws {
        let text = String(repeating: "free software, ", count: 2000)
        let pieces = try pieces(of: text, preferredSize: 300, maximumSize: 1000)
        #expect(pieces.joined() == text)
        #expect(pieces.count > 50)
        #expect(pieces.allSatisfy { $0.utf8.count <= 1000 })
        #expect(pieces.dropFirst().allSatisfy { $0.hasPrefix(" software") || $0.hasPrefix(" free") })
    }

    /// A long line without such a space is cut at the last character boundary before the maximum.
    @Test func aLongLineWithoutSpacesIsCutBetweenCharacters() throws {
        let text = String(repeating: "é", count: 1000) + "\n"
        let pieces = try pieces(of: text, preferredSize: 10, maximumSize: 101)
        #expect(pieces.joined() == text)
        #expect(pieces.allSatisfy { $0.utf8.count <= 101 })
        #expect(pieces.count == 20)
    }

    /// Cut before spaces, a text without line breaks gives the ids of the whole with the GPT-2 and
    /// Llama-3 patterns, as cuts at line breaks do.
    @Test(arguments: ["smollm2-tokenizer", "tokenizers/byte-level-bpe"])
    func piecesOfOneLongLineGiveTheIdsOfTheWholeLine(tokenizerFolder: String) throws {
        let tokenizer = try Tokenizer(path: Fixtures.path(tokenizerFolder))
        let line = String(decoding: try Fixtures.data("text/GPL-3"), as: UTF8.self)
            .split(whereSeparator: \.isNewline).joined(separator: " ")
        let path = try folder.write("line.txt", text: line)
        let input = BufferedInput(reader: try openByteReader(path: path, namedCompressed: false), file: path, byteLimit: 1 << 30)
        var reader = PlainTextSamples(input: input, tokenizer: tokenizer, maxSequenceLength: 64)
        reader.preferredPieceSize = 300
        reader.maximumPieceSize = 2000
        reader.concurrency = 3
        var selector = SampleSelector(CalibrationDataTests.inOrder(maxSequenceLength: 64))
        try reader.read(into: &selector)
        #expect(Array(selector.finish().joined()) == tokenizer.encode(line, addSpecialTokens: true))
    }

    /// 64 MiB of text in a frame of a few kilobytes: a shuffled choice reads it up to the byte
    /// limit and says it stopped there; an ordered one stops after its first samples.
    @Test func aZstdBombIsReadUpToTheByteLimitOrTheSamplesNeeded() throws {
        let chunk = Array(String(repeating: "free software\n", count: 4681).utf8)
        let bomb = ZstdFixture.frame(repeating: chunk, count: 1024)
        #expect(bomb.count < 64 << 10)
        let path = try folder.write("bomb.txt.zst", bomb)
        let tokenizer = try CalibrationDataTests.smolLM2
        let shuffled = try CalibrationData.load(path: path, tokenizer: tokenizer,
                                                options: CalibrationDataOptions(sampleCount: 4, maxSequenceLength: 32, maxInputBytes: 256 << 10))
        #expect(shuffled.statistics.stoppedAtInputLimit)
        #expect(shuffled.statistics.bytesRead <= 256 << 10 && shuffled.statistics.bytesRead > 255 << 10)
        #expect(shuffled.samples.count == 4)
        let ordered = try CalibrationData.load(path: path, tokenizer: tokenizer,
                                               options: CalibrationDataOptions(sampleCount: 4, maxSequenceLength: 32, shuffle: false))
        #expect(!ordered.statistics.stoppedAtInputLimit)
        #expect(ordered.statistics.bytesRead <= PlainTextSamples.maximumPieceSize)
    }
}
