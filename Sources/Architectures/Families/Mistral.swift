extension Architecture {
    /// Mistral: Llama's blocks with sliding-window attention on every layer when `sliding_window` is set.
    public static let mistral = Architecture(
        name: "Mistral", modelTypes: ["mistral"], classNames: ["MistralForCausalLM"],
        conventions: ForwardConventions(slidingWindows: .everyLayer))
}
