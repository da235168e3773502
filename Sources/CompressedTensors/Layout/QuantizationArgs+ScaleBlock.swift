import Recipes

extension QuantizationArgs {
    /// The `[rows, columns]` of a weight that one scale covers, where the arguments fix it:
    /// `block_structure` for strategy `block`, `[1, group_size]` for `group` and `tensor_group`;
    /// nil for the others, whose scale's shape tells it.
    public var scaleBlock: [Int]? {
        if let blockStructure { return blockStructure }
        guard strategy == .group || strategy == .tensorGroup else { return nil }
        return groupSize.map { [1, $0] }
    }
}
