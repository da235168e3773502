import Checkpoint

extension GPTQResult {
    /// The result as its owner rank broadcasts it to the others.
    var encoded: [UInt8] {
        var payload = StatisticsPayload()
        payload.append(outputs.count)
        for bytes in outputs { payload.append(bytes) }
        payload.append(weight)
        payload.append([loss])
        payload.append(usedFallback ? 1 : 0)
        return payload.bytes
    }

    /// A result of weight `tensor` from the bytes its owner rank broadcast.
    init(tensor: TensorInfo, encoded: [UInt8]) throws(ModifierError) {
        var reader = StatisticsReader(encoded)
        let count = try reader.int()
        var outputs: [[UInt8]] = []
        for _ in 0..<Swift.max(count, 0) { outputs.append(try reader.byteArray()) }
        let weight = try reader.floats()
        let loss = try reader.floats()
        let fallback = try reader.int()
        guard weight.count == tensor.elementCount, loss.count == 1 else {
            throw .mpi("the GPTQ result broadcast for '\(tensor.name)' holds \(weight.count) weights where it has \(tensor.elementCount)")
        }
        self.init(tensor: tensor, outputs: outputs, weight: weight, loss: loss[0], usedFallback: fallback != 0)
    }
}
