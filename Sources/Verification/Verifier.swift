import Architectures
import Checkpoint
import CompressedTensors
import Foundation
import Modifiers
import Recipes

/// Checks a compressed-tensors checkpoint against its own quantization_config and, optionally,
/// against the model it was compressed from: what `compress verify` does.
public enum Verifier {
    /// Verifies the checkpoint in `checkpoint`:
    /// - the safetensors files, index and config.json are valid (the checkpoint reader checks every header);
    /// - the quantization_config parses and is consistent (known formats and schemes, the
    ///   top-level format agreeing with the groups', group sizes dividing the columns);
    /// - every module a config group quantizes holds exactly the tensors its format writes, with
    ///   their dtypes and shapes, and positive finite scales; modules no group quantizes hold
    ///   float tensors only.
    ///
    /// With `original`, every quantized weight is also dequantized (by the decoders the runtime runs)
    /// and compared with the original's: its maximum absolute and relative RMS errors are
    /// reported, and limited by `options`; every other tensor must equal the original's byte
    /// for byte, and none of the original's may be missing.
    ///
    /// - Throws: `VerificationError` when a checkpoint cannot be read at all. Everything else
    ///   wrong is a problem of the report.
    public static func verify(checkpoint path: String, against original: String? = nil,
                              options: VerificationOptions = VerificationOptions()) throws(VerificationError) -> VerificationReport {
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint(directory: path) } catch { throw .unreadableCheckpoint(error) }
        var reference: Checkpoint? = nil
        if let original {
            let stored: Checkpoint
            do { stored = try Checkpoint(directory: original) } catch { throw .unreadableOriginal(error) }
            // A quantized original (FP8 block or compressed-tensors) is compared as oneshot read it: dequantized.
            do { reference = try DequantizedSource.open(stored) } catch { throw .undecodableOriginal(error) }
        }
        var problems: [VerificationReport.Problem] = []
        guard let setup = QuantizationSetup.load(checkpoint, problems: &problems) else {
            return VerificationReport(checkpoint: path, against: original, format: nil, tensorCount: checkpoint.tensors.count,
                                      groups: [], layers: [], copiedTensors: 0, identicalToOriginal: nil, options: options, problems: problems)
        }
        var structure = StructureCheck(checkpoint: checkpoint, setup: setup, original: reference)
        structure.run()
        problems += structure.problems
        let quantized = structure.quantized.sorted { ModuleOrder.precedes($0.name, $1.name, in: structure.architecture) }
        var layers = quantized.map { module in
            VerificationReport.Layer(module: module.name, group: setup.config.configGroups[module.group].name,
                                     format: setup.weights[module.group].format ?? "", shape: module.shape)
        }
        var copied = checkpoint.tensors.filter { !structure.written.contains($0.name) }.count
        var identical: Int? = nil
        if let reference {
            let comparison = OriginalComparison(checkpoint: checkpoint, original: reference, written: structure.written,
                                                quantizedModules: Set(quantized.map(\.name)))
            problems += comparison.problems
            copied = comparison.copied
            identical = comparison.identical
            let reader = CompressedWeightReader(checkpoint: checkpoint)
            for (i, module) in quantized.enumerated() where module.intact {
                problems += measure(module, setup: setup, reader: reader, checkpoint: checkpoint, original: reference,
                                    options: options, into: &layers[i])
            }
        }
        let groups = setup.config.configGroups.enumerated().map { i, group in
            VerificationReport.Group(name: group.name, format: setup.weights[i].format, targets: group.scheme.targets,
                                     modules: structure.modulesPerGroup[i])
        }
        return VerificationReport(checkpoint: path, against: original, format: setup.config.format, tensorCount: checkpoint.tensors.count,
                                  groups: groups, layers: layers, copiedTensors: copied, identicalToOriginal: identical,
                                  options: options, problems: problems)
    }

    /// Dequantizes `module` and records its errors against the original's weight in `layer`;
    /// returns the problems found.
    private static func measure(_ module: QuantizedModule, setup: QuantizationSetup, reader: CompressedWeightReader,
                                checkpoint: Checkpoint, original: Checkpoint,
                                options: VerificationOptions, into layer: inout VerificationReport.Layer) -> [VerificationReport.Problem] {
        let name = module.name + ".weight"
        guard let source = original.tensor(named: name) else {
            return [.init(tensor: name, message: "not in the original model, which the checkpoint quantizes")]
        }
        guard source.info.shape == module.shape, source.info.dtype.isQuantizableFloat else {
            return [.init(tensor: name, message: "the checkpoint holds a \(module.shape) weight, but the original is \(source.info.dtype.rawValue) \(source.info.shape)")]
        }
        let weights = setup.config.configGroups[module.group].scheme.weights
        let decoded: DequantizedWeight
        do {
            decoded = try reader.weight(module: module.name, rows: module.shape[0], columns: module.shape[1], bits: weights?.numBits,
                                        block: weights?.scaleBlock)
        } catch {
            return [.init(tensor: name, message: "cannot be dequantized: \(error.description)")]
        }
        let errors = WeightErrors.measure(decoded, against: source, in: original, threads: options.threads)
        original.release(source)
        for tensor in module.tensors { checkpoint.release(tensor) }
        if errors.nonFinite > 0 {
            return [.init(tensor: name, message: "\(errors.nonFinite) dequantized values are NaN or infinite")]
        }
        layer.maxAbsError = errors.maxAbsError
        layer.relativeRMSError = errors.relativeRMSError
        var problems: [VerificationReport.Problem] = []
        func shown(_ value: Double) -> String { String(format: "%.4g", value) }
        if !(errors.relativeRMSError <= options.maxRelativeRMSError) {
            problems.append(.init(tensor: name, message: "relative RMS error \(shown(errors.relativeRMSError)) exceeds the limit \(shown(options.maxRelativeRMSError))"))
        }
        if let limit = options.maxAbsError, errors.maxAbsError > limit {
            problems.append(.init(tensor: name, message: "maximum absolute error \(shown(errors.maxAbsError)) exceeds the limit \(shown(limit))"))
        }
        return problems
    }
}
