import Foundation
import LLMCompressor

// The C functions of `llm_compressor.h`. Each takes its options as a JSON object and hands back
// one string through `result`: the result JSON on success, else the error's one-line message.
// The string is allocated with malloc; the caller frees it with `llmc_free`.

/// `llmc_progress_fn`: called with the caller's context and one JSON event, on the calling thread.
public typealias LLMCProgress = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> Void

/// The library's version, a static string.
@_cdecl("llmc_version")
public func llmc_version() -> UnsafePointer<CChar> {
    UnsafeRawPointer(CABIVersion.text.utf8Start).assumingMemoryBound(to: CChar.self)
}

/// Compresses a checkpoint folder (see the header).
@_cdecl("llmc_oneshot")
public func llmc_oneshot(_ options: UnsafePointer<CChar>?, _ progress: LLMCProgress?, _ context: UnsafeMutableRawPointer?,
                         _ cancel: OpaquePointer?, _ result: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    respond(result) { () throws(CABIError) in
        let request = try OneshotRequest(options)
        return SummaryJSON.text(try request.run(cancellation: CancelHandle.flag(cancel), progress: reporter(progress, context)))
    }
}

/// Hands each oneshot progress event to `progress` as JSON.
func reporter(_ progress: LLMCProgress?, _ context: UnsafeMutableRawPointer?) -> (OneshotProgress) -> Void {
    { event in
        guard let progress else { return }
        let json = JSONWriter.compact(.object(JSONObject([
            ("tensors_done", .integer(Int64(event.tensorsDone))), ("tensors_total", .integer(Int64(event.tensorsTotal))),
            ("bytes_done", .integer(Int64(event.bytesDone))), ("bytes_total", .integer(Int64(event.bytesTotal))),
            ("tensor", .string(event.tensor)),
        ])))
        json.withCString { progress(context, $0) }
    }
}

/// Compresses tensors held in memory by the caller, with the config.json and other files of the
/// folder `model` (see the header).
@_cdecl("llmc_oneshot_tensors")
public func llmc_oneshot_tensors(_ options: UnsafePointer<CChar>?, _ tensors: UnsafeRawPointer?, _ count: Int64,
                                 _ progress: LLMCProgress?, _ context: UnsafeMutableRawPointer?,
                                 _ cancel: OpaquePointer?, _ result: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    respond(result) { () throws(CABIError) in
        let request = try OneshotRequest(options)
        let memory = try TensorRecords.read(tensors, count: count)
        return SummaryJSON.text(try request.run(memory: memory, cancellation: CancelHandle.flag(cancel), progress: reporter(progress, context)))
    }
}

/// Checks a compressed checkpoint (see the header).
@_cdecl("llmc_verify")
public func llmc_verify(_ options: UnsafePointer<CChar>?, _ result: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    respond(result) { () throws(CABIError) in JSONWriter.compact(try VerifyRequest.run(options)) }
}

/// Describes a checkpoint (see the header).
@_cdecl("llmc_inspect")
public func llmc_inspect(_ options: UnsafePointer<CChar>?, _ result: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    respond(result) { () throws(CABIError) in JSONWriter.compact(try InspectRequest.run(options)) }
}

/// Scores a model's perplexity on a text (see the header).
@_cdecl("llmc_perplexity")
public func llmc_perplexity(_ options: UnsafePointer<CChar>?, _ progress: LLMCProgress?, _ context: UnsafeMutableRawPointer?,
                            _ cancel: OpaquePointer?, _ result: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    respond(result) { () throws(CABIError) in
        let report = try PerplexityRequest.run(options, cancellation: CancelHandle.flag(cancel)) { done, total in
            guard let progress else { return }
            let json = JSONWriter.compact(.object(JSONObject([("windows_done", .integer(Int64(done))), ("windows_total", .integer(Int64(total)))])))
            json.withCString { progress(context, $0) }
        }
        return JSONWriter.compact(report)
    }
}

/// Frees a string the library handed back. Null is ignored.
@_cdecl("llmc_free")
public func llmc_free(_ string: UnsafeMutablePointer<CChar>?) {
    free(string)
}

/// Runs `body` and hands its text (or its error's message) to the caller through `result`.
func respond(_ result: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ body: () throws(CABIError) -> String) -> Int32 {
    let status: Int32
    let text: String
    do {
        text = try body()
        status = CABIError.okStatus
    } catch {
        text = error.message
        status = error.status
    }
    result?.pointee = strdup(text)
    return status
}
