import JSON
import Testing
import TestSupport
@testable import Tokenizers

/// The samples chosen from a `messages` file equal, id for id and in order, those llm-compressor
/// 0.14 prepares from it (`calibration/sample-selection-reference.json`, written by
/// scripts/make-sample-selection-reference.py with llm-compressor's own dataset preprocessing,
/// after `shuffle(seed=...).select(range(n))` as its examples choose samples), and so do the
/// lines chosen from a text.
@Suite struct SampleSelectionReferenceTests {
    /// The cases of `key` in the reference, each with the options it was made with and the ids expected.
    static func cases(_ key: String) throws -> (path: String, cases: [(CalibrationDataOptions, [[Int]])]) {
        let reference = try JSONParser.parse(String(decoding: Fixtures.data("calibration/sample-selection-reference.json"), as: UTF8.self))
        let file = try #require(reference[key == "cases" ? "file" : "text_file"]?.stringValue)
        let cases = try #require(reference[key]?.arrayValue).map { entry throws -> (CalibrationDataOptions, [[Int]]) in
            let options = CalibrationDataOptions(
                sampleCount: Int(try #require(entry["samples"]?.integerValue)),
                maxSequenceLength: entry["max_seq_length"]?.integerValue.map(Int.init),
                seed: UInt64(try #require(entry["seed"]?.integerValue)),
                shuffle: try #require(entry["shuffle"]?.boolValue))
            return (options, try #require(entry["input_ids"]?.arrayValue).map(CalibrationDataTests.ids))
        }
        return (CalibrationDataTests.fixture(file), cases)
    }

    @Test func samplesEqualLLMCompressors() throws {
        let (path, cases) = try Self.cases("cases")
        #expect(cases.count == 4)
        for (options, expected) in cases {
            let data = try CalibrationData.load(path: path, tokenizer: CalibrationDataTests.smolLM2, options: options)
            #expect(data.samples == expected, "\(options)")
        }
    }

    /// A text's lines, as datasets' text loader reads them after the blank ones are filtered out.
    @Test func textLinesEqualLLMCompressors() throws {
        let (path, cases) = try Self.cases("text_cases")
        #expect(cases.count == 2)
        for (options, expected) in cases {
            let data = try CalibrationData.load(path: path, tokenizer: CalibrationDataTests.smolLM2, options: options)
            #expect(data.samples == expected, "\(options)")
        }
    }

    /// Without `model_max_length` in tokenizer_config.json (SmolLM2's is transformers' 10^30
    /// stand-in), samples are not cut unless a maximum length is given.
    @Test func withoutALengthSamplesAreWhole() throws {
        let tokenizer = try CalibrationDataTests.smolLM2
        #expect(tokenizer.modelMaxLength == nil)
        let path = CalibrationDataTests.fixture("chat.jsonl")
        let whole = try CalibrationData.load(path: path, tokenizer: tokenizer, options: CalibrationDataOptions(sampleCount: 40, shuffle: false))
        let cut = try CalibrationData.load(path: path, tokenizer: tokenizer, options: CalibrationDataOptions(sampleCount: 40, maxSequenceLength: 100_000, shuffle: false))
        #expect(whole.samples == cut.samples)
        #expect(whole.samples.contains { $0.count > 200 })
    }

    /// A `model_max_length` in tokenizer_config.json is the default maximum length, as
    /// llm-compressor's `max_seq_length=None` takes it.
    @Test func theTokenizersModelMaxLengthIsTheDefaultLength() throws {
        let folder = TemporaryFolder("calibration")
        let file = try folder.write("tokenizer.json", Array(try Fixtures.data("smollm2-tokenizer/tokenizer.json")))
        _ = try folder.write("tokenizer_config.json", text: "{\"model_max_length\": 16}")
        let tokenizer = try Tokenizer(path: file)
        #expect(tokenizer.modelMaxLength == 16)
        let data = try CalibrationData.load(path: CalibrationDataTests.fixture("text.txt"), tokenizer: tokenizer,
                                            options: CalibrationDataOptions(sampleCount: 20, shuffle: false))
        #expect(data.samples.map(\.count).max() == 16)
    }
}
