import Foundation
import LLMCompressor

/// A `oneshot` summary as the C ABI hands it back: every field of `OneshotSummary` under its
/// snake_case name, plus `compression_ratio`.
enum SummaryJSON {
    static func text(_ summary: OneshotSummary) -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(summary),
              case var .object(fields)? = try? JSONParser.parse(String(decoding: data, as: UTF8.self)) else { return "{}" }
        fields["compression_ratio"] = .double(summary.compressionRatio)
        return JSONWriter.compact(.object(fields))
    }
}
