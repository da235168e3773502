extension Architecture {
    /// Qwen2 and Qwen2.5: Llama's blocks with biases on the query, key and value projections (not
    /// on the output projection); sliding windows as `use_sliding_window` and `max_window_layers` say.
    public static let qwen2 = Architecture(
        name: "Qwen2", modelTypes: ["qwen2"], classNames: ["Qwen2ForCausalLM"],
        conventions: ForwardConventions(queryKeyValueBias: true, slidingWindows: .fromMaxWindowLayers))
}
