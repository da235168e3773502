import Checkpoint

extension OneshotPlan {
    /// What a run of the plan reads, which its output must never replace: the model folder, its
    /// shards and other files (wherever their symlinks lead), the recipe file and the dataset.
    func inputs(calibration: CalibrationInput?) -> [RunInput] {
        let directory = checkpoint.directory
        let files = checkpoint.shards.map(\.path) + checkpoint.auxiliaryFiles().map { directory + "/" + $0 }
        return [RunInput(role: "the model folder", path: directory)]
            + files.map { RunInput(role: "the model's file", path: $0) }
            + (recipe.file.map { [RunInput(role: "the recipe", path: $0)] } ?? [])
            + (calibration?.file.map { [RunInput(role: "the dataset", path: $0)] } ?? [])
    }
}
