/// Memory on the device, freed when the last reference goes.
public final class DeviceBuffer: @unchecked Sendable {
    /// The device address.
    let address: UInt64
    /// Its size in bytes.
    public let bytes: Int
    private let driver: CUDADriver

    /// Allocates `bytes` (at least 1) on the context's device.
    init(bytes: Int, driver: CUDADriver) throws(CUDAError) {
        var address: UInt64 = 0
        try driver.check(driver.memoryAllocate(&address, max(1, bytes)), "cuMemAlloc(\(bytes))")
        self.address = address
        self.bytes = bytes
        self.driver = driver
    }

    deinit { _ = driver.memoryFree(address) }

    /// Copies `values` to the start of the buffer.
    public func upload<T>(_ values: [T]) throws(CUDAError) {
        let size = values.count * MemoryLayout<T>.stride
        guard size <= bytes else { throw .unsupportedShape(kernel: "upload", reason: "\(size) bytes into a buffer of \(bytes)") }
        let status = values.withUnsafeBytes { driver.copyToDevice(address, $0.baseAddress, size) }
        try driver.check(status, "cuMemcpyHtoD(\(size))")
    }

    /// The first `count` values of type `T`.
    public func download<T>(_ count: Int, as type: T.Type) throws(CUDAError) -> [T] {
        var failure: CUDAError?
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(CUDAError) { try download(count, into: buffer.baseAddress!) } catch { failure = error }
            initialized = count
        }
        if let failure { throw failure }
        return values
    }

    /// Copies the first `count` values of type `T` to `destination` (host memory of at least `count` values).
    public func download<T>(_ count: Int, into destination: UnsafeMutablePointer<T>) throws(CUDAError) {
        let size = count * MemoryLayout<T>.stride
        guard size <= bytes else { throw .unsupportedShape(kernel: "download", reason: "\(size) bytes from a buffer of \(bytes)") }
        try driver.check(driver.copyToHost(destination, address, size), "cuMemcpyDtoH(\(size))")
    }
}
