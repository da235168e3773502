/// A gated MLP: the dense MLP of a block, one expert of a mixture, or its shared expert.
public struct FeedForwardLayout: Sendable, Equatable {
    /// The gate and up projections (gate first).
    public var inputs: Projections
    /// The down projection.
    public var output: String
    /// The projections in the order the model defines them.
    let definitionOrder: [String]

    /// `definitionOrder` defaults to the inputs, then the output.
    public init(inputs: Projections = .separate(["gate_proj", "up_proj"]), output: String = "down_proj",
                definitionOrder: [String]? = nil) {
        self.inputs = inputs
        self.output = output
        self.definitionOrder = definitionOrder ?? inputs.names + [output]
    }
}
