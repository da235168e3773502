import ArgumentParser
import Foundation
import LLMCompressor

/// `compress inspect`: what a checkpoint holds, from its headers alone.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a checkpoint: architecture, tensors, dtypes, parameters, quantization.",
        discussion: "Reads config.json and the safetensors headers (every header is validated), and of compressed checkpoints the small weight_shape tensors, so it takes milliseconds on any size of model. Parameters count the values a packed weight (weight_packed) holds, not its storage words.")

    @Argument(help: "The model folder (config.json and *.safetensors).", completion: .directory)
    var model: String

    @OptionGroup var source: ModelRevision

    @Flag(help: "List every tensor with its dtype, shape and shard.")
    var tensors = false

    @OptionGroup var format: JSONOption

    struct Report: Codable {
        struct DTypeTotal: Codable { let dtype: String; let tensors: Int; let bytes: Int }
        struct Tensor: Codable { let name: String; let dtype: String; let shape: [Int]; let bytes: Int; let file: String }
        let model: String
        let architecture: String?
        let modelType: String?
        let files: [String]
        let tensorCount: Int
        let parameters: Int
        let bytes: Int
        let dtypes: [DTypeTotal]
        let quantization: String?
        let tensors: [Tensor]?
    }

    func run() throws {
        let model = try source.folder(self.model)
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint(directory: model) } catch { throw fail(error) }
        let report = makeReport(checkpoint)
        if format.json {
            print(JSONOutput.text(report))
            return
        }
        print("model:        \(report.model)")
        print("architecture: \(report.architecture ?? "unknown") (model_type \(report.modelType ?? "unknown"))")
        print("files:        \(report.files.count) (\(report.files.joined(separator: ", ")))")
        print("tensors:      \(report.tensorCount)")
        print("parameters:   \(Formatting.count(report.parameters))")
        print("bytes:        \(Formatting.bytes(report.bytes))")
        for d in report.dtypes {
            print("  \(d.dtype.padding(toLength: 8, withPad: " ", startingAt: 0)) \(d.tensors) tensors, \(Formatting.bytes(d.bytes))")
        }
        print("quantization: \(report.quantization ?? "none")")
        for t in report.tensors ?? [] {
            print("\(t.name)\t\(t.dtype)\t\(t.shape)\t\(t.bytes)\t\(t.file)")
        }
    }

    private func makeReport(_ checkpoint: Checkpoint) -> Report {
        var totals: [DType: (Int, Int)] = [:]
        for t in checkpoint.tensors {
            let current = totals[t.info.dtype] ?? (0, 0)
            totals[t.info.dtype] = (current.0 + 1, current.1 + t.info.byteCount)
        }
        let files = checkpoint.shards.map { ($0.path as NSString).lastPathComponent }
        var quantization: String? = nil
        if case let .object(q)? = checkpoint.config?.json["quantization_config"] {
            quantization = [q["quant_method"]?.stringValue, q["format"]?.stringValue].compactMap { $0 }.joined(separator: ", ")
        }
        return Report(
            model: checkpoint.directory,
            architecture: checkpoint.config?.architectures.first,
            modelType: checkpoint.config?.modelType,
            files: files,
            tensorCount: checkpoint.tensors.count,
            parameters: checkpoint.tensors.reduce(0) { $0 + Self.parameters(of: $1, in: checkpoint) },
            bytes: checkpoint.totalBytes,
            dtypes: totals.sorted { $0.value.1 > $1.value.1 }.map { .init(dtype: $0.key.rawValue, tensors: $0.value.0, bytes: $0.value.1) },
            quantization: quantization,
            tensors: tensors ? checkpoint.tensors.map {
                .init(name: $0.name, dtype: $0.info.dtype.rawValue, shape: $0.info.shape, bytes: $0.info.byteCount, file: files[$0.shard])
            } : nil)
    }

    /// The parameters `tensor` holds: its elements, or for what pack-quantized formats pack the
    /// values packed in it: two FP4 values a byte in a U8 `weight_packed`, the product of the
    /// module's `weight_shape` in an I32 one, and one zero point per `weight_scale` in an I32
    /// `weight_zero_point`.
    static func parameters(of tensor: Checkpoint.Tensor, in checkpoint: Checkpoint) -> Int {
        let info = tensor.info
        let (module, parameter) = QuantizationPlan.split(info.name)
        func sibling(_ name: String) -> Checkpoint.Tensor? { checkpoint.tensor(named: module + "." + name) }
        switch (parameter, info.dtype) {
        case ("weight_packed", .u8):
            return info.elementCount * 2
        case ("weight_packed", .i32):
            guard let shape = sibling("weight_shape").flatMap(checkpoint.integers), shape.count == 2, shape.allSatisfy({ $0 > 0 }) else {
                return info.elementCount
            }
            let (product, overflow) = shape[0].multipliedReportingOverflow(by: shape[1])
            return overflow ? info.elementCount : product
        case ("weight_zero_point", .i32):
            return sibling("weight_scale")?.info.elementCount ?? info.elementCount
        default:
            return info.elementCount
        }
    }
}
