/// A device's primary context, current on the thread that made it, with every kernel of
/// ``KernelSource/all`` loaded from its CUBIN and a cuBLAS handle: allocates buffers, launches kernels
/// by name and multiplies matrices with cuBLAS. Launches and products are synchronous (each waits for
/// the device), which suits checks and a first backend.
public final class CUDAContext: @unchecked Sendable {
    /// The libraries, device and compiled kernels it runs.
    public let backend: CUDABackend
    private let context: OpaquePointer
    /// Each kernel's function handle, by kernel name.
    private var functions: [String: OpaquePointer] = [:]
    /// The cuBLAS handle of ``matmul(x:rowStride:rows:weight:outputs:inputs:into:offset:outputStride:)``.
    private let blas: CUBLASHandle

    /// Makes the device's primary context current on this thread, creates the cuBLAS handle there and loads the kernels.
    ///
    /// - Throws: ``CUDAError/driver(call:code:message:)`` or ``CUDAError/cublas(call:code:message:)`` for the call that fails.
    public init(_ backend: CUDABackend) throws(CUDAError) {
        self.backend = backend
        let driver = backend.driver
        var context: OpaquePointer?
        try driver.check(driver.primaryContextRetain(&context, backend.device.handle), "cuDevicePrimaryCtxRetain")
        guard let context else { throw .driver(call: "cuDevicePrimaryCtxRetain", code: 0, message: "no context") }
        self.context = context
        try driver.check(driver.contextSetCurrent(context), "cuCtxSetCurrent")
        blas = try CUBLASHandle(backend.cublas, driver: driver, context: context)
        for source in KernelSource.all {
            guard let cubin = backend.cubins[source.name] else { throw .unsupportedShape(kernel: source.name, reason: "not compiled") }
            var module: OpaquePointer?
            try driver.check(cubin.withUnsafeBytes { driver.moduleLoadData(&module, $0.baseAddress) }, "cuModuleLoadData(\(source.name))")
            for name in source.functions {
                var function: OpaquePointer?
                try driver.check(driver.moduleGetFunction(&function, module, name), "cuModuleGetFunction(\(name))")
                functions[name] = function
            }
        }
    }

    /// A buffer of `bytes` on the device.
    public func buffer(bytes: Int) throws(CUDAError) -> DeviceBuffer {
        try DeviceBuffer(bytes: bytes, driver: backend.driver)
    }

    /// A buffer holding `values`.
    public func buffer<T>(_ values: [T]) throws(CUDAError) -> DeviceBuffer {
        let buffer = try buffer(bytes: values.count * MemoryLayout<T>.stride)
        try buffer.upload(values)
        return buffer
    }

    /// One argument of a kernel, as its C signature declares it.
    public enum Argument {
        /// A pointer: the buffer's address offset by `offset` bytes, or null.
        case pointer(DeviceBuffer?, offset: Int = 0)
        case int32(Int32)
        case int64(Int64)
        case float(Float)
    }

    /// Launches kernel `name` as `plan` says with `arguments`, and waits for it to finish.
    ///
    /// - Throws: ``CUDAError/driver(call:code:message:)`` naming the kernel.
    public func launch(_ name: String, _ plan: LaunchPlan, _ arguments: [Argument]) throws(CUDAError) {
        let driver = backend.driver
        guard let function = functions[name] else { throw .unsupportedShape(kernel: name, reason: "no such kernel") }
        // CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES: past 48 KiB a kernel must ask for its dynamic shared memory.
        if plan.sharedBytes > 48 * 1024 {
            try driver.check(driver.functionSetAttribute(function, 8, Int32(plan.sharedBytes)), "cuFuncSetAttribute(\(name))")
        }
        // Each argument's value in its own 8 bytes; the kernel reads as many as its parameter's type.
        let slots = UnsafeMutableRawPointer.allocate(byteCount: 8 * max(1, arguments.count), alignment: 8)
        defer { slots.deallocate() }
        var pointers: [UnsafeMutableRawPointer?] = []
        for (i, argument) in arguments.enumerated() {
            let slot = slots + 8 * i
            switch argument {
            case let .pointer(buffer, offset): slot.storeBytes(of: buffer.map { $0.address + UInt64(offset) } ?? 0, as: UInt64.self)
            case let .int32(value): slot.storeBytes(of: value, as: Int32.self)
            case let .int64(value): slot.storeBytes(of: value, as: Int64.self)
            case let .float(value): slot.storeBytes(of: value, as: Float.self)
            }
            pointers.append(slot)
        }
        let status = pointers.withUnsafeMutableBufferPointer { parameters in
            driver.launchKernel(function, UInt32(plan.grid.x), UInt32(plan.grid.y), 1, UInt32(plan.block), 1, 1, UInt32(plan.sharedBytes),
                                nil, parameters.baseAddress, nil)
        }
        try driver.check(status, "cuLaunchKernel(\(name))")
        try driver.check(driver.synchronize(), "cuCtxSynchronize after \(name)")
    }

    /// Row-major `y[r, offset + o] = Σ_c x[r, c] · weight[o, c]` for `rows` rows of `x`, `rowStride`
    /// floats apart, and `weight` row-major `outputs × inputs`, into columns `offset ..< offset + outputs`
    /// of rows of `y` `outputStride` floats apart (the other columns untouched), by `cublasSgemm_v2`
    /// in FP32 (``SGEMMArguments``); waits for it.
    ///
    /// - Throws: ``CUDAError/unsupportedShape(kernel:reason:)`` for a shape cuBLAS does not take or
    ///   a buffer too small for it; ``CUDAError/cublas(call:code:message:)`` naming the call's
    ///   arguments when cuBLAS refuses it; ``CUDAError/driver(call:code:message:)`` when the device fails.
    public func matmul(x: DeviceBuffer, rowStride: Int, rows: Int, weight: DeviceBuffer, outputs: Int, inputs: Int,
                       into y: DeviceBuffer, offset: Int, outputStride: Int) throws(CUDAError) {
        let arguments = try SGEMMArguments(rows: rows, inputs: inputs, outputs: outputs, inputStride: rowStride, offset: offset,
                                           outputStride: outputStride)
        guard rows > 0 else { return }
        let extents = arguments.extents
        for (name, buffer, floats) in [("weight", weight, extents.a), ("x", x, extents.b), ("y", y, extents.c)] where buffer.bytes < 4 * floats {
            throw .unsupportedShape(kernel: "cublasSgemm_v2", reason: "\(name) holds \(buffer.bytes) bytes; \(arguments) spans \(4 * floats)")
        }
        let status = blas.sgemm(arguments, a: weight.address, b: x.address, c: y.address + UInt64(4 * arguments.cOffset))
        try blas.library.check(status, "cublasSgemm_v2(\(arguments))")
        try backend.driver.check(backend.driver.synchronize(), "cuCtxSynchronize after cublasSgemm_v2(\(arguments))")
    }
}
