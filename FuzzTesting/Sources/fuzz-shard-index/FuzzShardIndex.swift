import LLMCompressor

/// One input is the text of a model.safetensors.index.json.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzShardIndex(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let index = try? ShardIndex(file: "model.safetensors.index.json", bytes: UnsafeRawBufferPointer(start: data, count: size)) else {
        return 0
    }
    let named = Set(index.weightMap.map(\.shard))
    guard named == Set(index.shards), named.count == index.shards.count else {
        fatalError("the shard list is not the distinct shards of the weight map")
    }
    return 0
}
