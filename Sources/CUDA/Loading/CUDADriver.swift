/// The CUDA driver API (`libcuda.so.1`, installed with the NVIDIA driver), loaded with `dlopen`:
/// the calls that find the devices and tell their architecture (here), and those that allocate,
/// copy, load CUBINs and launch kernels (``CUDAContext``).
public struct CUDADriver: Sendable {
    private typealias Init = @convention(c) (UInt32) -> Int32
    private typealias GetInt = @convention(c) (UnsafeMutablePointer<Int32>?) -> Int32
    private typealias DeviceGet = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32
    private typealias DeviceGetAttribute = @convention(c) (UnsafeMutablePointer<Int32>?, Int32, Int32) -> Int32
    private typealias DeviceGetName = @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32) -> Int32
    private typealias ErrorString = @convention(c) (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32
    typealias PrimaryContextRetain = @convention(c) (UnsafeMutablePointer<OpaquePointer?>?, Int32) -> Int32
    typealias ContextSetCurrent = @convention(c) (OpaquePointer?) -> Int32
    typealias Synchronize = @convention(c) () -> Int32
    typealias MemoryAllocate = @convention(c) (UnsafeMutablePointer<UInt64>?, Int) -> Int32
    typealias MemoryFree = @convention(c) (UInt64) -> Int32
    typealias CopyToDevice = @convention(c) (UInt64, UnsafeRawPointer?, Int) -> Int32
    typealias CopyToHost = @convention(c) (UnsafeMutableRawPointer?, UInt64, Int) -> Int32
    typealias ModuleLoadData = @convention(c) (UnsafeMutablePointer<OpaquePointer?>?, UnsafeRawPointer?) -> Int32
    typealias ModuleGetFunction = @convention(c) (UnsafeMutablePointer<OpaquePointer?>?, OpaquePointer?, UnsafePointer<CChar>?) -> Int32
    typealias FunctionSetAttribute = @convention(c) (OpaquePointer?, Int32, Int32) -> Int32
    typealias LaunchKernel = @convention(c) (
        OpaquePointer?, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, OpaquePointer?,
        UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> Int32

    /// The library names tried in each folder.
    public static let libraryNames = ["libcuda.so.1"]
    /// `CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR` and `_MINOR`.
    private static let capabilityMajor: Int32 = 75, capabilityMinor: Int32 = 76
    /// `CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN`: the most a kernel may ask for.
    private static let sharedMemoryOptIn: Int32 = 97

    /// The file it was loaded from.
    public let path: String
    /// The driver's CUDA version, e.g. 13000 for 13.0.
    public let version: Int
    private let deviceCount: GetInt
    private let deviceGet: DeviceGet
    private let deviceGetAttribute: DeviceGetAttribute
    private let deviceGetName: DeviceGetName
    private let errorString: ErrorString
    let primaryContextRetain: PrimaryContextRetain
    let contextSetCurrent: ContextSetCurrent
    let synchronize: Synchronize
    let memoryAllocate: MemoryAllocate
    let memoryFree: MemoryFree
    let copyToDevice: CopyToDevice
    let copyToHost: CopyToHost
    let moduleLoadData: ModuleLoadData
    let moduleGetFunction: ModuleGetFunction
    let functionSetAttribute: FunctionSetAttribute
    let launchKernel: LaunchKernel

    /// Loads the driver from the first folder of `search` that has it and initializes it.
    ///
    /// - Throws: ``CUDAError`` naming what was looked for and where, or the failing call.
    public init(search: LibrarySearch) throws(CUDAError) {
        let library = try search.load(Self.libraryNames)
        path = library.path
        let initialize = try library.function("cuInit", as: Init.self)
        let driverVersion = try library.function("cuDriverGetVersion", as: GetInt.self)
        deviceCount = try library.function("cuDeviceGetCount")
        deviceGet = try library.function("cuDeviceGet")
        deviceGetAttribute = try library.function("cuDeviceGetAttribute")
        deviceGetName = try library.function("cuDeviceGetName")
        errorString = try library.function("cuGetErrorString")
        primaryContextRetain = try library.function("cuDevicePrimaryCtxRetain")
        contextSetCurrent = try library.function("cuCtxSetCurrent")
        synchronize = try library.function("cuCtxSynchronize")
        memoryAllocate = try library.function("cuMemAlloc_v2")
        memoryFree = try library.function("cuMemFree_v2")
        copyToDevice = try library.function("cuMemcpyHtoD_v2")
        copyToHost = try library.function("cuMemcpyDtoH_v2")
        moduleLoadData = try library.function("cuModuleLoadData")
        moduleGetFunction = try library.function("cuModuleGetFunction")
        functionSetAttribute = try library.function("cuFuncSetAttribute")
        launchKernel = try library.function("cuLaunchKernel")
        var number: Int32 = 0
        let initialized = initialize(0)
        let versioned = driverVersion(&number)
        version = Int(number)
        try check(initialized, "cuInit")
        try check(versioned, "cuDriverGetVersion")
    }

    /// A device the driver sees: its ordinal, name, architecture and the most shared memory a block may use.
    public struct Device: Sendable {
        public let index: Int
        public let name: String
        public let architecture: GPUArchitecture
        public let sharedMemoryPerBlock: Int
        /// The driver's handle.
        let handle: Int32
    }

    /// The number of devices.
    public func count() throws(CUDAError) -> Int {
        var count: Int32 = 0
        try check(deviceCount(&count), "cuDeviceGetCount")
        return Int(count)
    }

    /// Device `index`.
    ///
    /// - Throws: ``CUDAError/noDevice(requested:available:)`` when there is no such device.
    public func device(_ index: Int) throws(CUDAError) -> Device {
        let available = try count()
        guard index >= 0, index < available else { throw .noDevice(requested: index, available: available) }
        var handle: Int32 = 0, major: Int32 = 0, minor: Int32 = 0, shared: Int32 = 0
        try check(deviceGet(&handle, Int32(index)), "cuDeviceGet(\(index))")
        try check(deviceGetAttribute(&major, Self.capabilityMajor, handle), "cuDeviceGetAttribute(\(index))")
        try check(deviceGetAttribute(&minor, Self.capabilityMinor, handle), "cuDeviceGetAttribute(\(index))")
        try check(deviceGetAttribute(&shared, Self.sharedMemoryOptIn, handle), "cuDeviceGetAttribute(\(index))")
        var name = [CChar](repeating: 0, count: 256)
        try check(deviceGetName(&name, Int32(name.count - 1), handle), "cuDeviceGetName(\(index))")
        return Device(index: index, name: String(cString: name), architecture: GPUArchitecture(major: Int(major), minor: Int(minor)),
                      sharedMemoryPerBlock: Int(shared), handle: handle)
    }

    /// Throws ``CUDAError/driver(call:code:message:)`` for a `status` other than success; `call`
    /// is worded only then (launches and copies check every call).
    func check(_ status: Int32, _ call: @autoclosure () -> String) throws(CUDAError) {
        guard status != 0 else { return }
        var text: UnsafePointer<CChar>?
        _ = errorString(status, &text)
        throw .driver(call: call(), code: status, message: text.map { String(cString: $0) } ?? "unknown error")
    }
}
