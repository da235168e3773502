/// The calibration data of a `oneshot` run whose recipe needs it (static activation scales, a KV
/// cache scheme, SmoothQuant, GPTQ, AWQ).
public struct CalibrationInput: Sendable {
    /// Token ids of each sample, already tokenized for the model.
    public var samples: [[Int]]

    public init(samples: [[Int]]) {
        self.samples = samples
    }
}
