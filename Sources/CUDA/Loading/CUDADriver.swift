/// The CUDA driver API (`libcuda.so.1`, installed with the NVIDIA driver), loaded with `dlopen`:
/// the calls that find the devices and tell their architecture.
public struct CUDADriver: Sendable {
    private typealias Init = @convention(c) (UInt32) -> Int32
    private typealias GetInt = @convention(c) (UnsafeMutablePointer<Int32>?) -> Int32
    private typealias DeviceGet = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32
    private typealias DeviceGetAttribute = @convention(c) (UnsafeMutablePointer<Int32>?, Int32, Int32) -> Int32
    private typealias DeviceGetName = @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32) -> Int32
    private typealias ErrorString = @convention(c) (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32

    /// The library names tried in each folder.
    public static let libraryNames = ["libcuda.so.1"]
    /// `CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR` and `_MINOR`.
    private static let capabilityMajor: Int32 = 75, capabilityMinor: Int32 = 76

    /// The file it was loaded from.
    public let path: String
    /// The driver's CUDA version, e.g. 13000 for 13.0.
    public let version: Int
    private let deviceCount: GetInt
    private let deviceGet: DeviceGet
    private let deviceGetAttribute: DeviceGetAttribute
    private let deviceGetName: DeviceGetName
    private let errorString: ErrorString

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
        var number: Int32 = 0
        let initialized = initialize(0)
        let versioned = driverVersion(&number)
        version = Int(number)
        try check(initialized, "cuInit")
        try check(versioned, "cuDriverGetVersion")
    }

    /// A device the driver sees: its ordinal, name and architecture.
    public struct Device: Sendable {
        public let index: Int
        public let name: String
        public let architecture: GPUArchitecture
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
        var handle: Int32 = 0, major: Int32 = 0, minor: Int32 = 0
        try check(deviceGet(&handle, Int32(index)), "cuDeviceGet(\(index))")
        try check(deviceGetAttribute(&major, Self.capabilityMajor, handle), "cuDeviceGetAttribute(\(index))")
        try check(deviceGetAttribute(&minor, Self.capabilityMinor, handle), "cuDeviceGetAttribute(\(index))")
        var name = [CChar](repeating: 0, count: 256)
        try check(deviceGetName(&name, Int32(name.count - 1), handle), "cuDeviceGetName(\(index))")
        return Device(index: index, name: String(cString: name), architecture: GPUArchitecture(major: Int(major), minor: Int(minor)))
    }

    private func check(_ status: Int32, _ call: String) throws(CUDAError) {
        guard status != 0 else { return }
        var text: UnsafePointer<CChar>?
        _ = errorString(status, &text)
        throw .driver(call: call, code: status, message: text.map { String(cString: $0) } ?? "unknown error")
    }
}
