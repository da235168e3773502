import JSON
import Testing
import TestSupport

/// Duplicate keys found in random documents: nested objects and arrays whose keys, written with
/// escapes, multibyte UTF-8 and surrogate pairs, repeat now and then. The generator knows which
/// key repeats first in document order, and at what depth.
@Suite struct DuplicateKeyTests {
    /// Spellings of keys: some differ only by an escape (compared and reported as written, they are
    /// different keys); and plain ones, for objects of many keys.
    static let keys = ["a", "b", "role", "content", #"b\""#, #"\u0061"#, "é", "日本", #"\ud83d\ude00"#, "😀", #"\\"#, #"x\ny"#, ""]
        + (0..<40).map { "k\($0)" }

    struct Document {
        var text = ""
        var firstDuplicate: JSONParser.Failure?
    }

    static func value(_ random: inout SeededRandom, depth: Int, into document: inout Document) {
        switch Int.random(in: 0..<(depth < 4 ? 6 : 3), using: &random) {
        case 0: document.text += "1"
        case 1: document.text += #""s\"é\ud83d\ude00 \\""#
        case 2: document.text += "null"
        case 3:
            document.text += "["
            for index in 0..<Int.random(in: 0..<4, using: &random) {
                if index > 0 { document.text += "," }
                value(&random, depth: depth + 1, into: &document)
            }
            document.text += "]"
        default:
            document.text += "{"
            var written: Set<String> = []
            // Some objects large enough to be searched through a set.
            for index in 0..<Int.random(in: 0..<(Bool.random(using: &random) ? 4 : 30), using: &random) {
                if index > 0 { document.text += ", " }
                let key = keys.randomElement(using: &random)!
                document.text += "\"\(key)\" : "
                if !written.insert(key).inserted, document.firstDuplicate == nil {
                    document.firstDuplicate = .duplicateKey(key, depth: depth + 1)
                }
                value(&random, depth: depth + 1, into: &document)
            }
            document.text += "}"
        }
    }

    @Test func findsTheFirstRepeatedKeyOfRandomDocuments() throws {
        var random = SeededRandom(seed: 18)
        var duplicates = 0
        for _ in 0..<2000 {
            var document = Document()
            document.text += "{\"top\": "
            Self.value(&random, depth: 1, into: &document)
            document.text += "}"
            if let failure = document.firstDuplicate {
                duplicates += 1
                #expect(throws: failure, "\(document.text)") { try JSONParser.parse(document.text) }
            } else {
                #expect(throws: Never.self, "\(document.text)") { try JSONParser.parse(document.text) }
            }
        }
        #expect(duplicates > 100 && duplicates < 1900)
    }
}
