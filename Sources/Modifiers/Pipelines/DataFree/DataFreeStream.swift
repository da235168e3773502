import Checkpoint

/// llm-compressor's data-free pipeline: every tensor quantized or copied in stream order, one at a
/// time, without running the model, so that memory holds one tensor whatever the model's size.
struct DataFreeStream {
    let plan: OneshotPlan
    let threads: Int
    /// Quantize weights holding NaN or Inf as llm-compressor does, instead of refusing them.
    let allowNonFinite: Bool

    /// Writes every entry through `step`, or those of `entries` only (the others are passed over:
    /// a part of a split run); `progress` gets each entry written or passed over.
    func run(_ step: TensorWriteStep, entries: Set<Int>? = nil, progress: (Int) throws(ModifierError) -> Void) throws(ModifierError) {
        let checkpoint = plan.checkpoint
        var fusedGroupOf: [Int: Int] = [:]
        for (g, members) in plan.fusedGroups.enumerated() { for i in members { fusedGroupOf[i] = g } }
        var fusedAbsmax: [Int: Float] = [:]
        for (i, entry) in plan.quantization.entries.enumerated() {
            if let entries, !entries.contains(i) {
                try step.skip(i)
                try progress(i)
                continue
            }
            let data: UnsafeRawBufferPointer
            do { data = try checkpoint.checkedData(entry.tensor) } catch { throw .checkpoint(error) }
            var context = QuantizationContext(allowNonFinite: allowNonFinite)
            if case .quantize = entry.action, let g = fusedGroupOf[i] {
                // Read ahead: the siblings' largest magnitude, once per group (they follow in stream order).
                if fusedAbsmax[g] == nil {
                    fusedAbsmax[g] = try plan.fusedAbsmax(plan.fusedGroups[g], threads: threads, allowNonFinite: allowNonFinite)
                }
                context.groupAbsmax = fusedAbsmax[g]
            }
            try step.write(i, .stored(data), context: context)
            checkpoint.release(entry.tensor)
            try progress(i)
        }
    }
}
