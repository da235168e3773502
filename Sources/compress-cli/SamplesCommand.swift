import ArgumentParser
import Foundation
import LLMCompressor

/// `compress samples`: the calibration samples `oneshot` would choose, as JSON Lines of token ids.
struct SamplesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "samples",
        abstract: "Print the calibration samples oneshot would choose from a dataset, as token ids, without quantizing.",
        discussion: """
            Reads --dataset with the model's tokenizer and the same options as oneshot, and prints one JSON object per chosen sample, in the order calibration runs them: {"input_ids":[...]}. The output is itself a dataset: oneshot --dataset OUT.jsonl --no-shuffle calibrates on exactly these samples. A CI job can compare it with the ids it expects.

            Examples:
              compress samples --model ./SmolLM2-135M --dataset chat.jsonl --num-calibration-samples 8 --max-seq-length 512
              compress samples --model ./m --dataset corpus.txt --text-samples windows --max-seq-length 2048 --no-shuffle
            """)

    @OptionGroup var input: ModelOption

    @Option(help: ArgumentHelp("The calibration data, as oneshot --dataset reads it.", valueName: "file"), completion: .file())
    var dataset: String

    @OptionGroup var data: CalibrationDataOption

    func run() throws {
        let model = try input.folder()
        let samples: [[Int]]
        do {
            samples = try CalibrationInput.load(dataset: dataset, model: model, options: data.options).samples
        } catch { throw fail(error) }
        // Written a megabyte at a time, not built whole: the output is as large as the data kept.
        let flushAt = 1 << 20
        var output: [UInt8] = []
        output.reserveCapacity(flushAt + 4096)
        for ids in samples {
            output.append(contentsOf: #"{"input_ids":["#.utf8)
            for (k, id) in ids.enumerated() {
                if k > 0 { output.append(UInt8(ascii: ",")) }
                Self.appendDecimal(id, to: &output)
            }
            output.append(contentsOf: "]}\n".utf8)
            if output.count >= flushAt {
                FileHandle.standardOutput.write(Data(output))
                output.removeAll(keepingCapacity: true)
            }
        }
        FileHandle.standardOutput.write(Data(output))
    }

    /// Appends the decimal digits of a token id (never negative), without making a `String` of it.
    private static func appendDecimal(_ id: Int, to output: inout [UInt8]) {
        var digits = 1
        var bound = 10
        while id >= bound && digits < 19 {
            digits += 1
            bound &*= 10
        }
        let end = output.count + digits
        output.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: digits))
        output.withUnsafeMutableBufferPointer { buffer in
            var rest = id
            for position in stride(from: end - 1, through: end - digits, by: -1) {
                buffer[position] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            }
        }
    }
}
