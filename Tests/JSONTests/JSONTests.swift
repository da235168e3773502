import JSON
import Testing

/// JSON parsing through json-c and writing in Python's format.
@Suite struct JSONTests {
    @Test func keepsMemberOrderAndNumberLiterals() throws {
        let value = try JSONParser.parse(#"{"z": 1, "a": 1e-06, "m": [true, null, "x"], "f": 10000.0}"#)
        #expect(value.objectValue?.keys == ["z", "a", "m", "f"])
        #expect(JSONWriter.compact(value) == #"{"z":1,"a":1e-06,"m":[true,null,"x"],"f":10000.0}"#)
    }

    @Test func writesLikePythonJsonDumpsIndent2() throws {
        let value = try JSONParser.parse(#"{"a": {}, "b": [], "c": {"d": [1, 2]}, "e": "é\n\"q\""}"#)
        #expect(JSONWriter.pretty(value) == """
            {
              "a": {},
              "b": [],
              "c": {
                "d": [
                  1,
                  2
                ]
              },
              "e": "\\u00e9\\n\\"q\\""
            }
            """)
    }

    @Test func insertSortedPlacesAKeyWhereASortedObjectHasIt() {
        var object = JSONObject([("alpha", .integer(1)), ("pretraining_tp", .integer(1)), ("rms_norm_eps", .integer(2))])
        object.insertSorted("quantization_config", .null)
        #expect(object.keys == ["alpha", "pretraining_tp", "quantization_config", "rms_norm_eps"])
    }

    @Test(arguments: [
        (#"{"a":1,"a":2}"#, JSONParser.Failure.duplicateKey("a", depth: 1)),
        (#"{"a":{"b":1,"b":1}}"#, JSONParser.Failure.duplicateKey("b", depth: 2)),
        ("[1] 2", JSONParser.Failure.syntax("unexpected character")),
        ("", JSONParser.Failure.syntax("empty input")),
    ])
    func refusesWhatJsonCWouldQuietlyAccept(_ text: String, _ failure: JSONParser.Failure) {
        #expect(throws: failure) { try JSONParser.parse(text) }
    }

    @Test func keysThatOnlyLookAlikeAreNotDuplicates() throws {
        let value = try JSONParser.parse(#"{"a":[{"x":1},{"x":2}],"b\"":1,"b":2}"#)
        #expect(value.objectValue?.count == 3)
    }
}
