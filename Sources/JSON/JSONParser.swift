import CJSONC

/// Parses JSON text with json-c into a `JSONValue`, refusing what a careless parser would accept:
/// trailing bytes (json-c's strict mode), nesting deeper than a limit, duplicate object keys and integers out of range.
public enum JSONParser {
    /// Why a text is not acceptable JSON.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case syntax(String)
        case duplicateKey(String, depth: Int)
        case integerOutOfRange
        case tooDeep(limit: Int)

        public var description: String {
            switch self {
            case let .syntax(m): return "invalid JSON: \(m)"
            case let .duplicateKey(k, _): return "duplicate key \"\(k)\""
            case .integerOutOfRange: return "an integer does not fit in 64 bits"
            case let .tooDeep(l): return "JSON nested deeper than \(l) levels"
            }
        }
    }

    /// The nesting depth allowed by default: far beyond any config or header, far below a stack overflow.
    public static let defaultDepthLimit = 64

    /// Parses `bytes` as one JSON value; only trailing whitespace may follow it.
    public static func parse(_ bytes: UnsafeRawBufferPointer, depthLimit: Int = defaultDepthLimit) throws(Failure) -> JSONValue {
        guard let tok = json_tokener_new_ex(Int32(depthLimit)) else { throw .syntax("out of memory") }
        defer { json_tokener_free(tok) }
        json_tokener_set_flags(tok, Int32(JSON_TOKENER_STRICT))
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count > 0 else {
            throw .syntax("empty input")
        }
        guard bytes.count < Int(Int32.max) else { throw .syntax("input too large") }
        let root = json_tokener_parse_ex(tok, base, Int32(bytes.count))
        let err = json_tokener_get_error(tok)
        guard let root, err == json_tokener_success else {
            if err == json_tokener_error_depth { throw .tooDeep(limit: depthLimit) }
            if err == json_tokener_continue { throw .syntax("unexpected end of input") }
            throw .syntax(String(cString: json_tokener_error_desc(err)))
        }
        defer { json_object_put(root) }
        let value = try convert(root)
        try DuplicateKeyScanner.check(bytes)
        return value
    }

    /// Parses a string's UTF-8 bytes.
    public static func parse(_ text: String, depthLimit: Int = defaultDepthLimit) throws(Failure) -> JSONValue {
        let bytes = Array(text.utf8)
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(Failure) -> JSONValue in try parse(buffer, depthLimit: depthLimit) }
        }
        return try result.get()
    }

    private static func convert(_ object: OpaquePointer?) throws(Failure) -> JSONValue {
        guard let object else { return .null }
        switch json_object_get_type(object) {
        case json_type_null: return .null
        case json_type_boolean: return .bool(json_object_get_boolean(object) != 0)
        case json_type_int:
            let value = json_object_get_int64(object)
            if value == Int64.max, json_object_get_uint64(object) > UInt64(Int64.max) { throw .integerOutOfRange }
            return .integer(value)
        case json_type_double:
            let literal = String(cString: json_object_to_json_string_ext(object, Int32(JSON_C_TO_STRING_PLAIN)))
            return .double(json_object_get_double(object), literal: literal)
        case json_type_string:
            let length = Int(json_object_get_string_len(object))
            let pointer = UnsafeRawPointer(json_object_get_string(object)!)
            return .string(String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self))
        case json_type_array:
            let count = json_object_array_length(object)
            var items: [JSONValue] = []
            items.reserveCapacity(count)
            for i in 0..<count { items.append(try convert(json_object_array_get_idx(object, i))) }
            return .array(items)
        default:
            var result = JSONObject()
            var iterator = json_object_iter_begin(object)
            let end = json_object_iter_end(object)
            var endIterator = end
            while json_object_iter_equal(&iterator, &endIterator) == 0 {
                let key = String(cString: json_object_iter_peek_name(&iterator))
                result[key] = try convert(json_object_iter_peek_value(&iterator))
                json_object_iter_next(&iterator)
            }
            return .object(result)
        }
    }
}
