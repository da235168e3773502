import Checkpoint
import JSON

/// What `Verifier.verify` found: the checkpoint's config groups and quantized layers, their
/// errors against the original when one was given, and every problem, one per tensor at fault.
/// The checkpoint is consistent when `problems` is empty.
public struct VerificationReport: Sendable {
    /// One inconsistency, naming the tensor (or config.json) at fault.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// The tensor's name, or "config.json" for the quantization_config.
        public let tensor: String
        public let message: String

        /// `TENSOR: message`, one line.
        public var description: String { "\(tensor): \(message)" }
    }

    /// A config group and how many modules of the checkpoint it quantizes.
    public struct Group: Sendable, Equatable {
        public let name: String
        /// Its compressed-tensors format, nil when the group cannot be verified.
        public let format: String?
        public let targets: [String]
        public let modules: Int
    }

    /// A quantized Linear layer.
    public struct Layer: Sendable, Equatable {
        public let module: String
        public let group: String
        public let format: String
        /// `[rows, columns]` of the (dequantized) weight.
        public let shape: [Int]
        /// Against the original: the largest `|w − ŵ|`, nil without an original or when the
        /// layer could not be dequantized or compared.
        public var maxAbsError: Double?
        /// Against the original: `‖W − Ŵ‖ / ‖W‖` (0 when both are zero), nil as `maxAbsError`.
        public var relativeRMSError: Double?
    }

    /// The checkpoint folder verified.
    public let checkpoint: String
    /// The original model it was compared with.
    public let against: String?
    /// The quantization_config's top-level `format`.
    public let format: String?
    public let tensorCount: Int
    public let groups: [Group]
    /// Every quantized layer in model order (`ModuleOrder`: layer numbers numerically, each
    /// layer's modules as the model defines them).
    public let layers: [Layer]
    /// Tensors that are not the output of quantization (norms, embeddings, biases, unquantized
    /// layers): the ones that must equal the original's.
    public let copiedTensors: Int
    /// How many of them are byte-identical to the original's; nil without an original.
    public let identicalToOriginal: Int?
    public let options: VerificationOptions
    public let problems: [Problem]

    /// Whether no problem was found.
    public var passed: Bool { problems.isEmpty }

    /// Version of the ``json`` layout; raised only when a key changes meaning or disappears.
    public static let schemaVersion = 1

    /// The report as JSON, keys in this order, absent values as null:
    /// `schema_version`, `checkpoint`, `against`, `passed`, `format`, `tensors`,
    /// `groups` [{`name`, `format`, `targets`, `modules`}],
    /// `layers` [{`module`, `group`, `format`, `shape`, `max_abs_error`, `relative_rms_error`}],
    /// `copied_tensors`, `identical_to_original`,
    /// `limits` {`max_relative_rms_error`, `max_abs_error`}, `problems` [{`tensor`, `message`}].
    public var json: JSONValue {
        func number(_ value: Double?) -> JSONValue { value.flatMap { $0.isFinite ? .double($0) : nil } ?? .null }
        func string(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        func integer(_ value: Int?) -> JSONValue { value.map { .integer(Int64($0)) } ?? .null }
        return .object(JSONObject([
            ("schema_version", .integer(Int64(Self.schemaVersion))),
            ("checkpoint", .string(checkpoint)),
            ("against", string(against)),
            ("passed", .bool(passed)),
            ("format", string(format)),
            ("tensors", integer(tensorCount)),
            ("groups", .array(groups.map { group in
                .object(JSONObject([("name", .string(group.name)), ("format", string(group.format)),
                                    ("targets", .array(group.targets.map(JSONValue.string))), ("modules", integer(group.modules))]))
            })),
            ("layers", .array(layers.map { layer in
                .object(JSONObject([("module", .string(layer.module)), ("group", .string(layer.group)), ("format", .string(layer.format)),
                                    ("shape", .array(layer.shape.map { .integer(Int64($0)) })),
                                    ("max_abs_error", number(layer.maxAbsError)), ("relative_rms_error", number(layer.relativeRMSError))]))
            })),
            ("copied_tensors", integer(copiedTensors)),
            ("identical_to_original", integer(identicalToOriginal)),
            ("limits", .object(JSONObject([("max_relative_rms_error", number(options.maxRelativeRMSError)),
                                           ("max_abs_error", number(options.maxAbsError))]))),
            ("problems", .array(problems.map { .object(JSONObject([("tensor", .string($0.tensor)), ("message", .string($0.message))])) })),
        ]))
    }
}
