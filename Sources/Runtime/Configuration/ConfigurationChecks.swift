extension TransformerConfiguration {
    /// Checks `num_hidden_layers` against the decoder layers the checkpoint holds (`tensors` named
    /// `BLOCKS.N.…`, `model.layers.N.…`): they must be layers 0 to `num_hidden_layers - 1`.
    /// Runs before anything is allocated per layer, so a config claiming billions of layers costs nothing.
    /// - Throws: `invalidConfiguration` naming `file` and the key.
    func checkLayers<Names: Sequence<String>>(against tensors: Names, blocks: String, file: String) throws(RuntimeError) {
        let prefix = blocks + "."
        var present = Set<Int>()
        for name in tensors where name.hasPrefix(prefix) {
            if let index = Int(name.dropFirst(prefix.count).prefix(while: \.isASCIIDigit)) { present.insert(index) }
        }
        guard let last = present.max() else {
            throw .invalidConfiguration(file: file, reason: "num_hidden_layers is \(layerCount), but the checkpoint holds no \(prefix)N tensors")
        }
        guard present.count == layerCount, last == layerCount - 1 else {
            throw .invalidConfiguration(
                file: file, reason: "num_hidden_layers is \(layerCount), but the checkpoint holds \(present.count) decoder layers, "
                    + "\(prefix)\(present.min() ?? 0) to \(prefix)\(last)")
        }
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension DecoderSpec {
    /// Refuses a window of 0 positions on a layer that slides. config.json may hold
    /// `sliding_window: 0` where no layer uses it (Qwen-MoE with `use_sliding_window: false`).
    /// - Throws: `invalidConfiguration` naming `file` and the key.
    func checkSlidingWindows(file: String) throws(RuntimeError) {
        guard let layer = slidingWindows.firstIndex(of: 0) else { return }
        throw .invalidConfiguration(file: file, reason: "sliding_window is 0, but layer \(layer) slides; a window holds at least 1 position")
    }
}
