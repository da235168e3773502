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
        let output = IdLinesWriter()
        for ids in samples { output.writeLine(ids) }
        output.flush()
    }
}

/// Writes JSON lines `{"input_ids":[...]}` to standard output through a buffer of a megabyte,
/// each id's digits written in place.
private final class IdLinesWriter {
    private static let size = 1 << 20
    /// Room past `size` for any one piece written after the check: a token id's digits and its comma.
    private static let margin = 32
    private let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: size + margin)
    private var used = 0
    /// The two digits of each number below 100, `"00"` to `"99"`.
    private let digitPairs: UnsafeMutablePointer<UInt8> = {
        let pairs = UnsafeMutablePointer<UInt8>.allocate(capacity: 200)
        for number in 0..<100 {
            pairs[2 * number] = UInt8(ascii: "0") + UInt8(number / 10)
            pairs[2 * number + 1] = UInt8(ascii: "0") + UInt8(number % 10)
        }
        return pairs
    }()

    deinit {
        buffer.deallocate()
        digitPairs.deallocate()
    }

    func writeLine(_ ids: [Int]) {
        write(#"{"input_ids":["#)
        for (k, id) in ids.enumerated() {
            if used >= Self.size { flush() }
            if k > 0 {
                buffer[used] = UInt8(ascii: ",")
                used += 1
            }
            writeDecimal(id)
        }
        write("]}\n")
    }

    func flush() {
        FileHandle.standardOutput.write(Data(bytes: buffer, count: used))
        used = 0
    }

    private func write(_ text: StaticString) {
        if used + text.utf8CodeUnitCount > Self.size { flush() }
        (buffer + used).update(from: text.utf8Start, count: text.utf8CodeUnitCount)
        used += text.utf8CodeUnitCount
    }

    /// The decimal digits of a token id (never negative), written from the last, two at a time
    /// from `digitPairs`: half the divisions of one digit at a time.
    private func writeDecimal(_ id: Int) {
        var digits = 1
        var bound = 10
        while id >= bound && digits < 19 {
            digits += 1
            bound &*= 10
        }
        var rest = id
        var position = used + digits
        while position - used >= 2 {
            let pair = 2 * (rest % 100)
            rest /= 100
            position -= 2
            buffer[position] = digitPairs[pair]
            buffer[position + 1] = digitPairs[pair + 1]
        }
        if position > used { buffer[used] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest) }
        used += digits
    }
}
