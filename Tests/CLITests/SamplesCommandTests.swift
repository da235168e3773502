import Foundation
import JSON
import Testing
import TestSupport

/// `compress samples` and `compress tokenize`: what calibration will see, printed without
/// quantizing, and every fault of a data file as one line naming the file and line.
@Suite struct SamplesCommandTests {
    static let model = Fixtures.path("smollm2-tokenizer")

    static func ids(_ value: JSONValue?) -> [Int] { (value?.arrayValue ?? []).compactMap { $0.integerValue.map(Int.init) } }

    /// The `input_ids` of each JSON line of `output`.
    static func samples(_ output: String) throws -> [[Int]] {
        try output.split(separator: "\n").map { line in ids(try JSONParser.parse(String(line))["input_ids"]) }
    }

    /// The samples equal llm-compressor's for the same file, count, length and seed
    /// (`calibration/sample-selection-reference.json`), and the output, read back as a dataset
    /// in file order, gives them again.
    @Test func samplesPrintsTheChosenSamplesAsADataset() throws {
        let reference = try JSONParser.parse(String(decoding: Fixtures.data("calibration/sample-selection-reference.json"), as: UTF8.self))
        let first = try #require(reference["cases"]?.arrayValue?.first)
        #expect(first["samples"]?.integerValue == 8 && first["seed"]?.integerValue == 42 && first["max_seq_length"]?.integerValue == 96)
        let result = try CompressBinary.run(["samples", "--model", Self.model, "--dataset", Fixtures.path("calibration/chat.jsonl"),
                                             "--num-calibration-samples", "8", "--max-seq-length", "96"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        let expected = try #require(first["input_ids"]?.arrayValue).map(Self.ids)
        #expect(try Self.samples(result.stdout) == expected)

        let folder = TemporaryFolder("cli-samples")
        let chosen = try folder.write("chosen.jsonl", text: result.stdout)
        let again = try CompressBinary.run(["samples", "--model", Self.model, "--dataset", chosen, "--no-shuffle"])
        #expect(again.stdout == result.stdout)
    }

    /// An output larger than the megabyte `samples` writes at a time comes out whole and in order:
    /// pre-tokenized samples, unshuffled, are printed as they were read.
    @Test func aLargeOutputIsWrittenWholeInOrder() throws {
        let samples = (0..<1500).map { s in (0..<200).map { 10_000 + (s * 7919 + $0 * 104_729) % 39_000 } }
        let lines = samples.map { "{\"input_ids\":[" + $0.map(String.init).joined(separator: ",") + "]}\n" }
        let folder = TemporaryFolder("cli-samples-large")
        let dataset = try folder.write("ids.jsonl", text: lines.joined())
        let result = try CompressBinary.run(["samples", "--model", Self.model, "--dataset", dataset, "--no-shuffle",
                                             "--num-calibration-samples", "1500", "--max-seq-length", "200"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.utf8.count > 1 << 20)
        #expect(try Self.samples(result.stdout) == samples)
    }

    @Test func tokenizePrintsTheTextAndItsIds() throws {
        let plain = try CompressBinary.run(["tokenize", "--model", Self.model, "--text", "Hello world"])
        #expect(plain.status == 0, "\(plain.stderr)")
        let lines = plain.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "Hello world")
        let ids = Self.ids(try JSONParser.parse(String(lines[1])))
        #expect(ids.count == 2)

        let chat = try CompressBinary.run(["tokenize", "--model", Self.model, "--text", "Hi", "--chat", "--add-generation-prompt", "--json"])
        #expect(chat.status == 0, "\(chat.stderr)")
        let json = try JSONParser.parse(chat.stdout.trimmingCharacters(in: .newlines))
        let text = try #require(json["text"]?.stringValue)
        #expect(text.hasPrefix("<|im_start|>system\n") && text.hasSuffix("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"), "\(text)")
        #expect(Self.ids(json["input_ids"]).first == 1)
        #expect(json["line"] == nil)
    }

    /// Each record of --input prints as one JSON line with its line number; an `input_ids` record has no text.
    @Test func tokenizeReadsRecordsByLine() throws {
        let folder = TemporaryFolder("cli-samples")
        let input = try folder.write("r.jsonl", text: "{\"text\": \"one\"}\n\n{\"input_ids\": [7, 8]}\n{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}\n")
        let result = try CompressBinary.run(["tokenize", "--model", Self.model, "--input", input, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let records = try result.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        #expect(records.map { $0["line"]?.integerValue } == [1, 3, 4])
        #expect(records[0]["text"]?.stringValue == "one")
        #expect(records[1]["text"] == .null && Self.ids(records[1]["input_ids"]) == [7, 8])
        #expect(records[2]["text"]?.stringValue?.contains("<|im_start|>user\nHi<|im_end|>") == true)
    }

    /// A model folder with SmolLM2's tokenizer and the given tokenizer_config.json.
    static func model(config: String, in folder: TemporaryFolder) throws -> String {
        _ = try folder.write("tokenizer.json", Array(try Fixtures.data("smollm2-tokenizer/tokenizer.json")))
        _ = try folder.write("config.json", Array(try Fixtures.data("smollm2-tokenizer/config.json")))
        _ = try folder.write("tokenizer_config.json", text: config)
        return folder.path
    }

    /// Every fault of a data file is one line, "error: FILE:LINE: ...", exit status 1, from
    /// `samples` and `tokenize` alike.
    @Test func dataFaultsAreOneLineNamingFileAndLine() throws {
        let folder = TemporaryFolder("cli-samples")
        let good = "{\"text\": \"fine\"}\n"
        let cases: [(String, [UInt8], String)] = [
            ("role.jsonl", Array((good + "{\"messages\": [{\"role\": \"human\", \"content\": \"x\"}]}\n").utf8), "has the unknown role 'human'"),
            ("utf8.jsonl", Array(good.utf8) + Array("{\"text\": \"caf".utf8) + [0xC3, 0x28] + Array("\"}\n".utf8), "invalid UTF-8"),
            ("utf8.txt", Array("first\n".utf8) + [0x61, 0xFF, 0x0A], "invalid UTF-8"),
            ("empty.jsonl", Array((good + "{\"text\": \"\"}\n").utf8), "'text' is empty"),
        ]
        for (name, bytes, reason) in cases {
            let dataset = try folder.write(name, bytes)
            for command in [["samples", "--dataset", dataset], ["tokenize", "--input", dataset]] where command[0] == "samples" || name.hasSuffix(".jsonl") {
                let result = try CompressBinary.run(command + ["--model", Self.model])
                #expect(result.status == 1, "\(command)")
                #expect(result.stderr.hasPrefix("error: \(dataset):2: ") && result.stderr.contains(reason), "\(result.stderr)")
                #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            }
        }
        let modelFolder = TemporaryFolder("cli-samples-model")
        let raising = try Self.model(config: #"{"chat_template": "{% if messages[0].role != 'system' %}{{ raise_exception('a system message first') }}{% endif %}"}"#, in: modelFolder)
        let chat = try folder.write("chat.jsonl", text: good + "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}\n")
        let result = try CompressBinary.run(["samples", "--model", raising, "--dataset", chat, "--no-shuffle"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: \(chat):2: ") && result.stderr.hasSuffix("tokenizer_config.json: chat template line 1: the template raised an error: a system message first\n"),
                "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        let silent = try Self.model(config: #"{"chat_template": "{% for m in messages if m.role == 'system' %}{{ m.content }}{% endfor %}"}"#, in: modelFolder)
        let nothing = try CompressBinary.run(["samples", "--model", silent, "--dataset", chat, "--no-shuffle"])
        #expect(nothing.status == 1)
        #expect(nothing.stderr.hasPrefix("error: \(chat):2: the sample renders to no tokens"), "\(nothing.stderr)")
        #expect(nothing.stderr.split(separator: "\n").count == 1)
    }

    @Test func tokenizeNeedsOneInput() throws {
        for arguments in [[], ["--text", "a", "--input", "b.jsonl"], ["--input", "b.jsonl", "--chat"]] {
            let result = try CompressBinary.run(["tokenize", "--model", Self.model] + arguments)
            #expect(result.status == 64, "\(arguments)")
        }
    }
}
