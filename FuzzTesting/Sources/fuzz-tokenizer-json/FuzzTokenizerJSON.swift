import LLMCompressor

/// Text run through every tokenizer that loads: words, digits, punctuation, whitespace runs,
/// accents, CJK, an emoji sequence and a few special-token spellings.
let sample = "Hello, world! 123 4567  \t\n\n  naïve café 東京 👩‍👩‍👧 <s></s><|endoftext|>[UNK] ▁x"

/// One input is the text of a tokenizer.json. A tokenizer that loads must encode and decode a
/// sample text without failing.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizerJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let tokenizer = try? Tokenizer(jsonText: text) else { return 0 }
    let ids = tokenizer.encode(sample, addSpecialTokens: true)
    _ = tokenizer.decode(ids)
    _ = tokenizer.decode(ids, skipSpecialTokens: true)
    return 0
}
