extension Array {
    /// `withUnsafeBytes` for a body with a typed error, which the standard library's `rethrows`
    /// form widens to `any Error`.
    public func withTypedUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try withUnsafeBytes { bytes in Result { () throws(E) in try body(bytes) } }.get()
    }
}
