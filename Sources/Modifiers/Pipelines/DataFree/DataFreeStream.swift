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
        // Read ahead: a fused group's shared statistic, once per group (its members follow in stream order).
        var fused = FusedGroupStatistics(plan: plan)
        for (i, entry) in plan.quantization.entries.enumerated() {
            if let entries, !entries.contains(i) {
                try step.skip(i)
                try progress(i)
                continue
            }
            let data: UnsafeRawBufferPointer
            do { data = try checkpoint.checkedData(entry.tensor) } catch { throw .checkpoint(error) }
            let context = try fused.context(for: i, threads: threads, allowNonFinite: allowNonFinite)
            try step.write(i, .stored(data), context: context)
            checkpoint.release(entry.tensor)
            try progress(i)
        }
    }
}
