import ArgumentParser
import LLMCompressor

/// `--revision`, for the commands that take a model: the model may be a folder, or a Hugging Face
/// repo id (ORG/NAME) found in the local cache (`HubCache`), at this revision.
struct ModelRevision: ParsableArguments {
    @Option(help: "The model may also be a Hugging Face repo id (ORG/NAME), read from the local cache ($HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub) at this branch, tag or commit (default: main); nothing is downloaded.")
    var revision: String?

    /// The folder `model` names (`HubCache/modelFolder(_:revision:)`).
    func resolve(_ model: String) throws(CheckpointError) -> String {
        try HubCache().modelFolder(model, revision: revision)
    }

    /// `resolve(_:)`, with an error printed as one line (exit code 1).
    func folder(_ model: String) throws -> String {
        do { return try resolve(model) } catch { throw fail(error) }
    }
}
