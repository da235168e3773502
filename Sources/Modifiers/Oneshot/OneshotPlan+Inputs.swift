import Checkpoint

extension OneshotPlan {
    /// What a run of the plan reads, which its output must never replace: the model folder, its
    /// shards and other files (wherever their symlinks lead), the recipe file and the dataset.
    func inputs(calibration: CalibrationInput?) -> [RunInput] {
        checkpoint.runInputs
            + (recipe.file.map { [RunInput(role: "the recipe", path: $0)] } ?? [])
            + (calibration?.file.map { [RunInput(role: "the dataset", path: $0)] } ?? [])
    }
}
