import Checkpoint

/// Group quantization splits every row into groups of `groupSize` columns, which needs
/// `columns % groupSize == 0`. llm-compressor 0.14 refuses other layers when it initializes, and
/// with `bypass_divisibility_checks` its observer fails on them when it reshapes the weight, so
/// no output exists either way: we refuse them too, before any data is read.
func requireWholeGroups(_ weight: TensorInfo, groupSize: Int) throws(ModifierError) {
    let columns = weight.shape[1]
    guard columns % groupSize != 0 else { return }
    throw .unquantizableWeight(
        tensor: weight.name,
        reason: "\(columns) columns are not divisible by group_size \(groupSize), which group quantization requires "
            + "(llm-compressor 0.14 fails on this layer too, with or without bypass_divisibility_checks); "
            + "add the module to `ignore`" + (groupSize == 16 || groupSize == 32 ? "" : " or choose a group size that divides \(columns)"))
}
