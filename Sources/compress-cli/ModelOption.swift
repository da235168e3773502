import ArgumentParser

/// `--model` and `--revision`, for the commands that take the model as an option.
struct ModelOption: ParsableArguments {
    @Option(help: "The model folder (config.json and *.safetensors; tokenizer.json too for the commands that run it).", completion: .directory)
    var model: String

    @OptionGroup var revision: ModelRevision

    /// The folder `--model` names (`ModelRevision/folder(_:)`), or an error printed as one line (exit code 1).
    func folder() throws -> String {
        try revision.folder(model)
    }
}
