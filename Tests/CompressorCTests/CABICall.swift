import CompressorC
import Foundation

/// One call of the C ABI as a caller makes it: options as JSON text, the status and the handed
/// back string (freed with `llmc_free`), and the progress events received.
struct CABICall {
    let status: Int32
    let text: String
    let events: [String]

    /// The handed back text parsed as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    /// Collects progress events; `onEvent` may set the cancellation handle.
    final class Events {
        var received: [String] = []
        var onEvent: ((Int) -> Void)?
    }

    static let collect: LLMCProgress = { context, event in
        let events = Unmanaged<Events>.fromOpaque(context!).takeUnretainedValue()
        events.received.append(String(cString: event!))
        events.onEvent?(events.received.count)
    }

    static func options(_ object: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    static func oneshot(_ options: String, cancel: OpaquePointer? = nil, onEvent: ((Int) -> Void)? = nil) -> CABICall {
        let events = Events()
        events.onEvent = onEvent
        var result: UnsafeMutablePointer<CChar>?
        let status = options.withCString {
            llmc_oneshot($0, collect, Unmanaged.passUnretained(events).toOpaque(), cancel, &result)
        }
        defer { llmc_free(result) }
        return CABICall(status: status, text: result.map { String(cString: $0) } ?? "", events: events.received)
    }

    static func oneshot(_ object: [String: Any], cancel: OpaquePointer? = nil, onEvent: ((Int) -> Void)? = nil) -> CABICall {
        oneshot(options(object), cancel: cancel, onEvent: onEvent)
    }

    /// `llmc_verify`, `llmc_inspect` and the like: options in, one string out.
    static func simple(_ function: (UnsafePointer<CChar>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32,
                       _ object: [String: Any]) -> CABICall {
        var result: UnsafeMutablePointer<CChar>?
        let status = options(object).withCString { function($0, &result) }
        defer { llmc_free(result) }
        return CABICall(status: status, text: result.map { String(cString: $0) } ?? "", events: [])
    }
}
