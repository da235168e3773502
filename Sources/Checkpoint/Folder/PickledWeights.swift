/// Files of a model folder that hold weights pickled by PyTorch (`pytorch_model.bin`, `*.pt`,
/// `*.pth`, `*.ckpt`, `*.pkl`, `*.pickle`) and the index of pickled shards: the unquantized weights
/// again, in a format that runs code when loaded. A compressed copy leaves them out unless asked.
public enum PickledWeights {
    static let suffixes = [".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".bin.index.json"]

    /// Whether the file named `name` is one of them.
    public static func matches(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return suffixes.contains { lowered.hasSuffix($0) }
    }
}
