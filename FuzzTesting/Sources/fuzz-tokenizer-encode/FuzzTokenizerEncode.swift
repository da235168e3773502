import Foundation
import LLMCompressor

/// SmolLM2's tokenizer from the test fixtures: byte-level BPE without a normalizer, so decoding
/// gives back the text that was encoded unless a byte has no token (it becomes the unknown token).
let tokenizer: Tokenizer = {
    let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../Tests/Fixtures/smollm2-tokenizer/tokenizer.json").standardized.path
    do { return try Tokenizer(path: fixture) } catch { fatalError("cannot load \(fixture): \(error)") }
}()
let unknownId = tokenizer.id(of: "<|endoftext|>")!

/// One input is arbitrary text (invalid UTF-8 is repaired first). Its ids must all have tokens,
/// be the same when encoded again (the second time from the word cache), and decode to the same
/// scalars when none is the unknown token.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizerEncode(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let ids = tokenizer.encode(text)
    guard ids.allSatisfy({ tokenizer.token(for: $0) != nil }) else { fatalError("an id without a token: \(ids)") }
    guard tokenizer.encode(text) == ids else { fatalError("encoding \(text.debugDescription) twice gives different ids") }
    if !ids.contains(unknownId), Array(tokenizer.decode(ids).unicodeScalars) != Array(text.unicodeScalars) {
        fatalError("decoding the ids does not give back the text: \(text.debugDescription) -> \(ids)")
    }
    _ = tokenizer.encode(text, addSpecialTokens: true)
    return 0
}
