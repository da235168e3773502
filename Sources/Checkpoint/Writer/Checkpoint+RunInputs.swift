extension Checkpoint {
    /// What a run reading this checkpoint reads, which its output must never replace: the model
    /// folder, its shards and other files (wherever their symlinks lead).
    public var runInputs: [RunInput] {
        let files = shards.map(\.path) + auxiliaryFiles().map { directory + "/" + $0 }
        return [RunInput(role: "the model folder", path: directory)] + files.map { RunInput(role: "the model's file", path: $0) }
    }
}
