import Checkpoint
import Foundation
import Testing
import TestSupport
@testable import Runtime

/// Unusable calibration files: each is refused with one error naming the file and, where there
/// is one, the line.
@Suite struct CalibrationDataErrorTests {
    let folder = TemporaryFolder("calibration-errors")

    static var smolLM2: Tokenizer { get throws { try CalibrationDataTests.smolLM2 } }

    /// The error loading `path` throws, or nil.
    func error(loading path: String, tokenizer: Tokenizer? = nil, options: CalibrationDataOptions = CalibrationDataOptions()) throws -> RuntimeError? {
        let tokenizer = try tokenizer ?? Self.smolLM2
        do {
            _ = try CalibrationData.load(path: path, tokenizer: tokenizer, options: options)
            return nil
        } catch {
            return error
        }
    }

    /// Expects a `calibrationData` error on `line` of `path` whose reason contains `reason`.
    func expectFailure(_ path: String, line: Int?, _ reason: String, tokenizer: Tokenizer? = nil,
                       options: CalibrationDataOptions = CalibrationDataOptions(),
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let thrown = try error(loading: path, tokenizer: tokenizer, options: options)
        guard case let .calibrationData(file, errorLine, errorReason) = thrown else {
            Issue.record("expected a calibration data error, got \(String(describing: thrown))", sourceLocation: sourceLocation)
            return
        }
        #expect(file == path, sourceLocation: sourceLocation)
        #expect(errorLine == line, sourceLocation: sourceLocation)
        #expect(errorReason.contains(reason), "\(errorReason)", sourceLocation: sourceLocation)
    }

    @Test func badRecordsNameTheirLine() throws {
        let good = "{\"text\": \"fine\"}\n\n"
        let cases: [(String, String)] = [
            ("{\"prompt\": \"x\"}", "neither a 'text' string nor a 'messages' list"),
            ("{\"text\": \"x\"", "invalid JSON"),
            ("{\"text\": \"a\", \"text\": \"b\"}", "duplicate key"),
            ("[\"text\"]", "expected a JSON object, got an array"),
            ("{\"text\": 3}", "'text' is a number, expected a string"),
            ("{\"messages\": \"hi\"}", "'messages' is a string, expected a list"),
            ("{\"messages\": [{\"role\": \"user\"}]}", "'messages[0]' must be an object with 'role' and 'content' strings"),
        ]
        for (index, (record, reason)) in cases.enumerated() {
            let path = try folder.write("bad\(index).jsonl", text: good + record + "\n" + good)
            try expectFailure(path, line: 3, reason)
        }
    }

    @Test func invalidUTF8NamesItsLine() throws {
        let record = Array("{\"text\": \"caf".utf8) + [0xC3, 0x28] + Array("\"}\n".utf8)
        try expectFailure(try folder.write("bad.jsonl", Array("{\"text\": \"ok\"}\n".utf8) + record), line: 2, "invalid UTF-8")
        let text = Array("first line\nsecond line\n".utf8) + [0x61, 0xFF, 0x0A] + Array("fourth\n".utf8)
        try expectFailure(try folder.write("bad.txt", text), line: 3, "invalid UTF-8")
    }

    @Test func filesWithoutSamplesAreRefused() throws {
        try expectFailure(try folder.write("empty.txt", text: ""), line: nil, "no text to calibrate on")
        try expectFailure(try folder.write("blank.jsonl", text: "\n  \n{\"text\": \"\"}\n{\"messages\": []}\n"), line: nil, "no records to calibrate on")
    }

    @Test func truncatedOrCorruptZstdIsRefused() throws {
        let frame = Array(try Fixtures.data("calibration/records.jsonl.zst"))
        try expectFailure(try folder.write("cut.jsonl.zst", Array(frame.dropLast(7))), line: nil, "truncated zstd stream")
        try expectFailure(try folder.write("magic-only.jsonl.zst", Array(frame.prefix(4))), line: nil, "truncated zstd stream")
        var corrupt = frame
        for i in 20..<40 { corrupt[i] ^= 0x5A }
        try expectFailure(try folder.write("corrupt.jsonl.zst", corrupt), line: nil, "corrupt zstd data")
        try expectFailure(try folder.write("plain.jsonl.zst", text: "{\"text\": \"x\"}\n"), line: nil, "does not start with a zstd frame")
    }

    @Test(arguments: ["missing.txt", "missing"])
    func missingFilesAreRefused(name: String) throws {
        let missing = folder.file(name)
        #expect(try error(loading: missing)?.description == "\(missing): cannot open: No such file or directory")
    }

    @Test func aFIFOIsRefusedWithoutBlocking() throws {
        let fifo = try FIFO(folder.file("pipe.txt"))
        let tokenizer = try Self.smolLM2
        let (thrown, blocked) = fifo.run { Result { try CalibrationData.load(path: fifo.path, tokenizer: tokenizer) } }
        #expect(!blocked, "reading the dataset waited on the FIFO")
        #expect(throws: RuntimeError.checkpoint(.cannotOpen(path: fifo.path, reason: "a FIFO (named pipe), not a regular file"))) { try thrown.get() }
    }

    /// A JSON Lines record is one line, read whole: a longer one than 64 MiB is refused. (Plain
    /// text is read in pieces however long its lines: `CalibrationBoundsTests`.)
    @Test func overlongRecordsAreRefused() throws {
        let long = [UInt8](repeating: 0x61, count: BufferedInput.maxLineLength + 2)
        try expectFailure(try folder.write("long.jsonl", Array("{\"text\": \"x\"}\n".utf8) + long), line: 2, "line longer than 64 MiB")
    }

    /// A tokenizer that puts `<s>` (3) before a text and `</s>` (4) after it; "ab" is token 2.
    static func surrounding() throws -> Tokenizer {
        try Tokenizer(jsonText: #"""
            {"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2, "<s>": 3, "</s>": 4}, "merges": ["a b"]},
             "post_processor": {"type": "RobertaProcessing", "cls": ["<s>", 3], "sep": ["</s>", 4]}}
            """#)
    }

    /// An empty text would be one sample of `<s></s>`, nothing to calibrate on: refused. No
    /// window of special tokens alone is a sample.
    @Test func samplesOfSpecialTokensAloneAreNone() throws {
        let tokenizer = try Self.surrounding()
        try expectFailure(try folder.write("empty.txt", text: ""), line: nil, "no text to calibrate on", tokenizer: tokenizer)
        try expectFailure(try folder.write("blank.jsonl", text: "{\"text\": \"ab\"}\n"), line: nil, "no records to calibrate on", tokenizer: tokenizer,
                          options: CalibrationDataOptions(maxSequenceLength: 2))
        let options = CalibrationDataOptions(maxSequenceLength: 2, shuffle: false)
        let text = try CalibrationData.load(path: try folder.write("ab.txt", text: "ab"), tokenizer: tokenizer, options: options)
        #expect(text.samples == [[3, 2]])
        let twice = try CalibrationData.load(path: try folder.write("abab.txt", text: "abab"), tokenizer: tokenizer, options: options)
        #expect(twice.samples == [[3, 2], [2, 4]])
        let oneToken = CalibrationDataOptions(maxSequenceLength: 1, shuffle: false)
        #expect(try CalibrationData.load(path: try folder.write("one.txt", text: "ab"), tokenizer: tokenizer, options: oneToken).samples == [[2]])
    }

    @Test func optionsOutOfRangeAreRefused() throws {
        let path = CalibrationDataTests.fixture("text.txt")
        #expect(try error(loading: path, options: CalibrationDataOptions(sampleCount: 0)) == .invalidArgument("the number of calibration samples must be at least 1, got 0"))
        #expect(try error(loading: path, options: CalibrationDataOptions(maxSequenceLength: 0)) == .invalidArgument("the maximum sequence length must be at least 1, got 0"))
    }

    // MARK: Chat templates

    /// A model folder with SmolLM2's tokenizer.json and the given tokenizer_config.json.
    func modelFolder(config: String) throws -> String {
        let model = (folder.file("model-\(UUID().uuidString)") as NSString).standardizingPath
        try FileManager.default.createDirectory(atPath: model, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.path("smollm2-tokenizer/tokenizer.json"), toPath: model + "/tokenizer.json")
        try config.write(toFile: model + "/tokenizer_config.json", atomically: true, encoding: .utf8)
        return model
    }

    /// `messages` are rendered with the model's own template, whatever it is (here Llama-3-style,
    /// with the message's extra members), and tokenized like `text`.
    @Test func messagesAreRenderedWithTheModelsTemplate() throws {
        let records = try folder.write("chat.jsonl", text: "{\"text\": \"x\"}\n{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\", \"name\": \"Ann\"}]}\n")
        let llama = #"{"bos_token": "<|im_start|>", "chat_template": "{{ bos_token }}{% for m in messages %}{{ '<|start_header_id|>' + m['role'] + ' ' + m.name + '<|end_header_id|>\n\n' + m['content'] | trim + '<|eot_id|>' }}{% endfor %}"}"#
        let tokenizer = try Tokenizer(path: try modelFolder(config: llama))
        let data = try CalibrationData.load(path: records, tokenizer: tokenizer, options: CalibrationDataTests.inOrder(maxSequenceLength: 64))
        #expect(data.samples == [tokenizer.encode("x", addSpecialTokens: true, maxLength: 64),
                                 tokenizer.encode("<|im_start|><|start_header_id|>user Ann<|end_header_id|>\n\nHi<|eot_id|>", addSpecialTokens: true, maxLength: 64)])
    }

    /// No silent fallback: a model without a template, a template that does not parse or that
    /// raises while rendering a record are errors naming the record's line and the template's.
    @Test func messagesNeedTheModelsTemplate() throws {
        let records = try folder.write("chat.jsonl", text: "{\"text\": \"x\"}\n{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}\n")
        let none = try modelFolder(config: "{}")
        try expectFailure(records, line: 2, "'messages' need the model's chat template: \(none): no chat template", tokenizer: try Tokenizer(path: none))
        try expectFailure(records, line: 2, "write 'text' records", tokenizer: try Tokenizer(path: none))
        let including = try modelFolder(config: #"{"chat_template": "{% for m in messages %}\n{% include 'turn.jinja' %}{% endfor %}"}"#)
        try expectFailure(records, line: 2, "\(including)/tokenizer_config.json: chat template line 2: the 'include' tag is not supported", tokenizer: try Tokenizer(path: including))
        let raising = try modelFolder(config: #"{"chat_template": "{% if messages[0].role != 'system' %}{{ raise_exception('a system message first') }}{% endif %}"}"#)
        try expectFailure(records, line: 2, "\(raising)/tokenizer_config.json: chat template line 1: the template raised an error: a system message first",
                          tokenizer: try Tokenizer(path: raising))
    }
}
