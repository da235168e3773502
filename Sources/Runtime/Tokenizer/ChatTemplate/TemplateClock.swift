import Foundation

/// The time transformers' `strftime_now(format)` formats: `datetime.now().strftime(format)`, a
/// local time without a time zone (so `%z` and `%Z` are empty), with C's `strftime` in the C
/// locale for everything but `%f` (microseconds), which Python formats itself.
struct TemplateClock: Sendable {
    var date: Date
    var timeZone: TimeZone

    func format(_ format: String) throws(TemplateFault) -> String {
        let total = Int((date.timeIntervalSince1970 * 1_000_000).rounded())
        let (seconds, microseconds) = (total.quotientAndRemainder(dividingBy: 1_000_000))
        let (wholeSeconds, fraction) = microseconds < 0 ? (seconds - 1, microseconds + 1_000_000) : (seconds, microseconds)
        var local = time_t(wholeSeconds + timeZone.secondsFromGMT(for: date))
        var fields = tm()
        guard gmtime_r(&local, &fields) != nil else { throw .error("strftime_now: the date is out of range") }
        var result = ""
        var pending = ""
        var scalars = format.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            guard scalar == "%", let directive = scalars.next() else {
                pending.unicodeScalars.append(scalar)
                continue
            }
            switch directive {
            case "f":
                result += try Self.strftime(pending, fields)
                pending = ""
                let digits = String(fraction)
                result += String(repeating: "0", count: 6 - digits.count) + digits
            case "z", "Z":
                break
            case ":":
                guard let next = scalars.next() else { pending += "%:"; continue }
                if next != "z" { pending += "%:" + String(next) }
            default:
                pending += "%" + String(directive)
            }
        }
        return result + (try Self.strftime(pending, fields))
    }

    private static func strftime(_ format: String, _ fields: tm) throws(TemplateFault) -> String {
        guard !format.isEmpty else { return "" }
        var fields = fields
        var buffer = [CChar](repeating: 0, count: 64 + format.utf8.count * 32)
        let length = Foundation.strftime(&buffer, buffer.count, format, &fields)
        guard length > 0 else { return "" }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
