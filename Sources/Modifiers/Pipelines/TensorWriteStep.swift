import Checkpoint

/// The one write step of a planned tensor, shared by the data-free stream and the sequential
/// pipeline: the tensor copied, or quantized into the tensors its config group's layout names,
/// then the outputs calibration adds after them (static scales, zero points).
struct TensorWriteStep {
    /// Where a weight's values come from.
    enum Weight {
        /// The bytes of the tensor in its stored dtype: the checkpoint's, or calibration's
        /// rescaled values converted back to that dtype.
        case stored(UnsafeRawBufferPointer)
        /// The outputs GPTQ solved for it.
        case solved(GPTQResult)
    }

    let plan: OneshotPlan
    let writer: CheckpointWriter
    let threads: Int

    /// Writes every output of entry `i`, in the plan's order.
    /// - Parameters:
    ///   - context: what the weight's fused siblings contribute (NVFP4's shared global scale).
    ///   - calibrated: the bytes of each output after the weight's own; data-free plans have none.
    func write(_ i: Int, _ weight: Weight, context: QuantizationContext,
               calibrated: (OutputTensor) throws(ModifierError) -> [UInt8] = Self.noCalibratedOutputs) throws(ModifierError) {
        let entry = plan.quantization.entries[i]
        var outputs = plan.entryOutputs[i][...]
        switch (entry.action, weight) {
        case let (.copy, .stored(bytes)):
            try append(bytes, as: entry.tensor.name)
            outputs = outputs.dropFirst()
        case (.copy, .solved):
            throw .unquantizableWeight(tensor: entry.tensor.name, reason: "GPTQ solved a tensor the plan copies")
        case let (.quantize(group), weight):
            let quantizer = plan.weightQuantizer(group)
            let names = plan.weightLayout(group).tensors(module: entry.module, weight: entry.tensor.info).map(\.name)
            var next = 0
            let emit = { (bytes: UnsafeRawBufferPointer) throws(CheckpointError) in
                try writer.begin(names[next])
                try writer.append(bytes)
                next += 1
            }
            switch weight {
            case let .stored(bytes):
                try quantizer.quantize(weight: entry.tensor.info, data: bytes, threads: threads, context: context, emit: emit)
            case let .solved(result):
                try result.write(count: names.count, emit: emit)
            }
            outputs = outputs.dropFirst(names.count)
        }
        for output in outputs {
            let bytes = try calibrated(output)
            try bytes.withTypedUnsafeBytes { (bytes) throws(ModifierError) in try append(bytes, as: output.name) }
        }
    }

    /// Passes over entry `i`, whose outputs all lie in shards this process does not write (a
    /// part of a split run).
    func skip(_ i: Int) throws(ModifierError) {
        do {
            for output in plan.entryOutputs[i] { try writer.skip(output.name) }
        } catch {
            throw .checkpoint(error)
        }
    }

    private func append(_ bytes: UnsafeRawBufferPointer, as name: String) throws(ModifierError) {
        do {
            try writer.begin(name)
            try writer.append(bytes)
        } catch {
            throw .checkpoint(error)
        }
    }

    /// The `calibrated` argument of a data-free write: a plan without calibration lists no
    /// output after a weight's own, so this is never asked for one.
    static func noCalibratedOutputs(_ output: OutputTensor) throws(ModifierError) -> [UInt8] {
        throw .recipe("'\(output.name)' needs calibration data, which this run has none of")
    }
}
