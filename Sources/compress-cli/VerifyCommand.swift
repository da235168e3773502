import ArgumentParser
import Foundation
import LLMCompressor

/// `compress verify`: check a compressed checkpoint against its quantization_config and,
/// optionally, against the model it came from.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a compressed checkpoint against its quantization_config, and optionally against its original model.",
        discussion: """
            Checks that the safetensors files, index and config.json are valid; that the quantization_config parses (known formats, consistent groups, group sizes that divide the columns); that every module a config group quantizes holds exactly the tensors its format stores (weight or weight_packed, weight_scale, weight_zero_point, weight_shape, weight_global_scale, input_scale, k_scale/v_scale, ...) with the right dtypes and shapes and positive finite scales; and that modules no group quantizes keep float tensors only.

            With --against MODEL_DIR, every quantized weight is also dequantized and compared with the original: each layer's largest absolute error and relative RMS error (||W - Wq|| / ||W||) are reported, layer by layer in model order (--summary leaves out that table), and every copied tensor must equal the original's byte for byte. --max-relative-rms (1 by default: a layer no closer to the original than an all-zero weight is broken) and --max-abs-error turn larger errors into problems. Typical relative RMS errors of data-free schemes: about 0.01 for INT8, 0.03 for FP8, 0.1 for 4-bit weights.

            Exit codes: 0 consistent; 1 problems found, each printed on one line naming the tensor; 2 a checkpoint cannot be read; 64 bad options.

            Examples:
              compress verify ./Llama-3.2-1B-FP8
              compress verify ./Llama-3.2-1B-W4A16 --against ./Llama-3.2-1B --max-relative-rms 0.15 --summary
              compress verify ./out --against ./model --json
            """)

    @Argument(help: "The compressed checkpoint folder.", completion: .directory)
    var checkpoint: String

    @Option(name: .customLong("against"), help: ArgumentHelp("The original model folder: dequantize every quantized weight and compare.", valueName: "MODEL_DIR"), completion: .directory)
    var original: String?

    @OptionGroup var source: ModelRevision

    @Option(name: .customLong("max-relative-rms"), help: "With --against: fail a layer whose relative RMS error exceeds this.")
    var maxRelativeRMS: Double = 1

    @Option(help: "With --against: fail a layer whose largest absolute error exceeds this (default: no limit).")
    var maxAbsError: Double?

    @OptionGroup var cores: ThreadsOption

    @Flag(help: "Leave out the table of every layer's errors: print the groups, the worst layer, the problems and the verdict (--json keeps every layer).")
    var summary = false

    @OptionGroup var format: JSONOption

    /// Exit code for a checkpoint that cannot be read at all.
    static let unreadable: Int32 = 2

    func validate() throws {
        guard maxRelativeRMS >= 0, maxRelativeRMS.isFinite else { throw ValidationError("--max-relative-rms must be a non-negative number") }
        if let maxAbsError, !(maxAbsError >= 0 && maxAbsError.isFinite) { throw ValidationError("--max-abs-error must be a non-negative number") }
        if original == nil, source.revision != nil { throw ValidationError("--revision applies to the model of --against") }
        if original == nil, maxRelativeRMS != 1 || maxAbsError != nil {
            throw ValidationError("--max-relative-rms and --max-abs-error limit the errors measured with --against MODEL_DIR")
        }
    }

    func run() throws {
        let report: VerificationReport
        do {
            let options = VerificationOptions(maxRelativeRMSError: maxRelativeRMS, maxAbsError: maxAbsError,
                                              threads: cores.count)
            let against = try original.map { try source.resolve($0) }
            report = try Verifier.verify(checkpoint: checkpoint, against: against, options: options)
        } catch {
            if format.json {
                print(JSONOutput.text(.object(JSONObject([
                    ("checkpoint", .string(checkpoint)), ("against", original.map(JSONValue.string) ?? .null),
                    ("passed", .bool(false)), ("error", .string("\(error)")),
                ]))))
            }
            log("error: \(error)")
            throw ExitCode(Self.unreadable)
        }
        if format.json {
            print(JSONOutput.text(report.json))
        } else {
            printText(report)
        }
        if !report.passed { throw ExitCode(1) }
    }

    private func printText(_ report: VerificationReport) {
        print("checkpoint: \(report.checkpoint) (\(report.format ?? "no format"), \(report.tensorCount) tensors)")
        for group in report.groups {
            print("  \(group.name): \(group.format ?? "not checked"), targets \(group.targets.joined(separator: ", ")): \(group.modules) modules")
        }
        if let against = report.against {
            print("against:    \(against)")
            if !summary { printLayers(report.layers) }
            if let worst = report.layers.filter({ $0.relativeRMSError != nil }).max(by: { $0.relativeRMSError! < $1.relativeRMSError! }) {
                print(String(format: "worst layer: %@ (rel RMS error %.3f%%)", worst.module, worst.relativeRMSError! * 100))
            }
            print("copied:     \(report.copiedTensors) tensors, \(report.identicalToOriginal ?? 0) byte-identical to the original")
        } else {
            print("quantized:  \(report.layers.count) layers; copied: \(report.copiedTensors) tensors")
        }
        for problem in report.problems { print("problem: \(problem)") }
        if report.passed {
            print("OK: consistent with its quantization_config" + (report.against == nil ? "" : " and the original"))
        } else {
            print("FAILED: \(report.problems.count) problem\(report.problems.count == 1 ? "" : "s")")
        }
    }

    /// The table of every layer's errors against the original, in model order.
    private func printLayers(_ layers: [VerificationReport.Layer]) {
        let width = max(5, layers.map(\.module.count).max() ?? 0)
        print("layer".padding(toLength: width, withPad: " ", startingAt: 0) + "  shape          max abs error   rel RMS error")
        for layer in layers {
            let shape = "\(layer.shape)".padding(toLength: 13, withPad: " ", startingAt: 0)
            let errors = layer.relativeRMSError.map { rms in
                String(format: "%-14.4g  %.3f%%", layer.maxAbsError ?? 0, rms * 100)
            } ?? "not measured"
            print(layer.module.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + shape + "  " + errors)
        }
    }
}
