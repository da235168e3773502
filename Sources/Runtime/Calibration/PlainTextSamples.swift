import Foundation

/// Samples from a plain text file: the whole text is tokenized as one sequence (the
/// post-processor's tokens, such as BOS, at its start and end, as transformers adds them with
/// `add_special_tokens=True`) and cut into non-overlapping windows of `maxSequenceLength` tokens;
/// each window is a sample, the last one possibly shorter. A window of special tokens alone (all
/// there is of an empty text, or the post-processor's end tokens after the last full window)
/// is no sample: it has nothing to calibrate on. (llm-compressor would make each line a
/// sample, through the `text` loader of Hugging Face datasets; windows over the whole text are
/// what its `concatenate_data` gives, except that the short last window is kept.)
///
/// The text is tokenized in pieces of about `preferredPieceSize` bytes, each cut after a line
/// break, or before a space, between two printable ASCII characters, so that memory stays that of
/// a few pieces. With pre-tokenizers that end words there (GPT-2, Llama-3 and Qwen patterns) the
/// ids are exactly those of the whole text; without a pre-tokenizer (SentencePiece-style BPE), a
/// merge across the cut is lost once per piece (see `Tokenizer.encode(_:continuingEarlierText:into:)`).
/// A text with no such cut within `maximumPieceSize` bytes is cut at the last line break before
/// it, or in a line longer than that at the last character boundary, where the ids may differ
/// too: no piece is longer than `maximumPieceSize`, however long the text's lines. Consecutive
/// pieces are tokenized in parallel, in batches of 1, 2, 4... up to `concurrency` (small batches
/// first, so that reading in order stops soon when few samples are asked for).
struct PlainTextSamples {
    static let preferredPieceSize = 1 << 20
    static let maximumPieceSize = 2 << 20

    let input: BufferedInput
    let tokenizer: Tokenizer
    let maxSequenceLength: Int
    var preferredPieceSize = Self.preferredPieceSize
    var maximumPieceSize = Self.maximumPieceSize
    /// Pieces tokenized at once, one per core up to 8: memory is that many pieces.
    var concurrency = min(8, ProcessInfo.processInfo.activeProcessorCount)

    /// Offers every window of the text to `selector`, until the end or until it is complete.
    func read(into selector: inout SampleSelector) throws(RuntimeError) {
        var tokens = PendingTokens(ids: tokenizer.specialTokens.prefix, specialAtStart: tokenizer.specialTokens.prefix.count)
        var batch: [String] = []
        var batchSize = 1
        var piecesEncoded = 0
        while !selector.isComplete {
            let piece = try input.nextPiece(preferredSize: preferredPieceSize, maximumSize: maximumPieceSize)
            if let piece {
                guard let text = String(validating: piece.bytes, as: UTF8.self) else {
                    throw .calibrationData(file: input.file, line: firstInvalidLine(piece), reason: "invalid UTF-8")
                }
                batch.append(text)
            }
            guard batch.count == batchSize || piece == nil else { continue }
            for ids in encode(batch, continuing: piecesEncoded > 0) {
                tokens.ids += ids
                offerWindows(of: &tokens, keepingPartial: true, to: &selector)
            }
            piecesEncoded += batch.count
            batch.removeAll(keepingCapacity: true)
            batchSize = min(concurrency, 2 * batchSize)
            if piece == nil { break }
        }
        if selector.isComplete { return }
        tokens.ids += tokenizer.specialTokens.suffix
        tokens.specialAtEnd = tokenizer.specialTokens.suffix.count
        offerWindows(of: &tokens, keepingPartial: false, to: &selector)
    }

    /// The ids not yet cut into windows, with how many of them at each end are the
    /// post-processor's special tokens rather than text.
    private struct PendingTokens {
        var ids: [Int]
        var specialAtStart: Int
        var specialAtEnd = 0

        /// Whether `window` holds a token of text.
        func holdsText(_ window: Range<Int>) -> Bool {
            window.overlaps(specialAtStart..<max(specialAtStart, ids.count - specialAtEnd))
        }
    }

    /// The ids of consecutive pieces, encoded in parallel.
    private func encode(_ pieces: [String], continuing: Bool) -> [[Int]] {
        var results = [[Int]](repeating: [], count: pieces.count)
        results.withUnsafeMutableBufferPointer { results in
            DispatchQueue.concurrentPerform(iterations: pieces.count) { i in
                tokenizer.encode(pieces[i], continuingEarlierText: continuing || i > 0, into: &results[i])
            }
        }
        return results
    }

    /// Offers the full windows at the start of `tokens` and removes them; with
    /// `keepingPartial` false the short rest is offered too.
    private func offerWindows(of tokens: inout PendingTokens, keepingPartial: Bool, to selector: inout SampleSelector) {
        var start = 0
        let count = tokens.ids.count
        while !selector.isComplete, count - start >= maxSequenceLength || (!keepingPartial && count > start) {
            let window = start..<min(start + maxSequenceLength, count)
            if tokens.holdsText(window) { selector.offer { Array(tokens.ids[window]) } }
            start = window.upperBound
        }
        tokens.ids.removeFirst(start)
        tokens.specialAtStart = max(0, tokens.specialAtStart - start)
    }

    /// The line of `piece` holding its first byte that is not valid UTF-8.
    private func firstInvalidLine(_ piece: BufferedInput.Piece) -> Int {
        var lineStart = 0
        for (offset, byte) in piece.bytes.enumerated() where byte == UInt8(ascii: "\n") {
            if String(validating: UnsafeRawBufferPointer(rebasing: piece.bytes[lineStart..<offset]), as: UTF8.self) == nil { break }
            lineStart = offset + 1
        }
        return piece.line(atOffset: lineStart)
    }
}
