import LLMCompressor

/// One input is a whole safetensors file: the 8-byte header length, the JSON header and the data.
/// A valid header must describe spans that tile the data section exactly.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensorsHeader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard let header = try? SafetensorsHeader(file: "fuzz.safetensors", bytes: bytes) else { return 0 }
    var end = 0
    for tensor in header.tensors {
        guard tensor.dataRange.lowerBound == end else { fatalError("\(tensor.name) does not start where the previous tensor ends") }
        guard let expected = tensor.dtype.byteCount(elements: tensor.elementCount), expected == tensor.byteCount else {
            fatalError("\(tensor.name) holds \(tensor.byteCount) bytes, not what its shape and dtype need")
        }
        end = tensor.dataRange.upperBound
    }
    guard header.dataOffset + end == size else { fatalError("the tensors do not end at the end of the file") }
    return 0
}
