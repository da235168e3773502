import LLMCompressor

/// `llmc_cancel`: a `CancellationFlag` handed to C as an opaque pointer that holds one reference.
enum CancelHandle {
    /// The flag behind `handle`, or nil for a null handle.
    static func flag(_ handle: OpaquePointer?) -> CancellationFlag? {
        handle.map { Unmanaged<CancellationFlag>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
    }
}

/// A new cancellation handle, not set. Free it with `llmc_cancel_free`.
@_cdecl("llmc_cancel_new")
public func llmc_cancel_new() -> OpaquePointer {
    OpaquePointer(Unmanaged.passRetained(CancellationFlag()).toOpaque())
}

/// Asks every call running with `handle` to stop at its next check. Safe from any thread.
@_cdecl("llmc_cancel_set")
public func llmc_cancel_set(_ handle: OpaquePointer?) {
    CancelHandle.flag(handle)?.cancel()
}

/// Whether `handle` was set: 1 or 0.
@_cdecl("llmc_cancel_is_set")
public func llmc_cancel_is_set(_ handle: OpaquePointer?) -> Int32 {
    CancelHandle.flag(handle)?.isCancelled == true ? 1 : 0
}

/// Releases `handle`. No call may be running with it.
@_cdecl("llmc_cancel_free")
public func llmc_cancel_free(_ handle: OpaquePointer?) {
    guard let handle else { return }
    Unmanaged<CancellationFlag>.fromOpaque(UnsafeRawPointer(handle)).release()
}
