import Foundation
import Checkpoint

extension OneshotPlan {
    /// What the processes of a split run must agree on for their parts to make one output, each
    /// as a digest: the tool, the recipe, the model (config.json as written, and each input
    /// shard's name, size and header), the output's shard layout and the options that change
    /// tensor bytes. Mtimes are left out, so that parts written on machines holding their own
    /// copies of the model (CI jobs) agree.
    func splitFingerprint(_ shardPlan: ShardPlan, options: OneshotOptions, tool: String) -> [PartRecord.Component] {
        var model = ContentDigest()
        model.add(outputConfig.text)
        for shard in checkpoint.shards {
            model.add((shard.path as NSString).lastPathComponent)
            model.add(String(shard.mapped.bytes.count))
            model.add(UnsafeRawBufferPointer(rebasing: shard.mapped.bytes[..<shard.header.dataOffset]))
        }
        var layout = ContentDigest()
        for (i, shard) in shardPlan.shards.enumerated() {
            layout.add(shardPlan.fileName(i))
            for tensor in shard { layout.add("\(tensor.name) \(tensor.dtype.rawValue) \(tensor.shape)") }
        }
        return [
            PartRecord.Component(name: "tool", value: tool),
            PartRecord.Component(name: "recipe", value: ContentDigest.of([recipe.savedYAML()])),
            PartRecord.Component(name: "model", value: model.hex),
            PartRecord.Component(name: "shard layout", value: layout.hex),
            PartRecord.Component(name: "--allow-nonfinite", value: String(!options.rejectNonFinite)),
        ]
    }

    /// The entries with an output in one of `shards`: those a part writing them must compute.
    func entries(writingInto shards: [Int], of shardPlan: ShardPlan) -> Set<Int> {
        let shardOf = shardPlan.shardOfTensor
        let wanted = Set(shards)
        return Set(entryOutputs.indices.filter { i in entryOutputs[i].contains { shardOf[$0.name].map(wanted.contains) ?? false } })
    }

    /// Refuses to split a recipe that calibrates: only data-free runs split over processes yet.
    public func refuseSplitCalibration() throws(ModifierError) {
        guard requiresCalibration else { return }
        throw .unsupportedModifier(name: calibratingModifiers.joined(separator: " and "),
                                   reason: "a run split over processes (--part, --finish, MPI ranks) is data-free only for now: run recipes that calibrate in one process")
    }
}
