/// A GPU architecture NVRTC compiles for, `sm_XY` or the architecture-specific `sm_XYa`
/// (e.g. `sm_90a`, whose code runs only on compute capability 9.0).
public struct GPUArchitecture: Hashable, Sendable, CustomStringConvertible {
    /// The compute capability, e.g. (9, 0).
    public let major: Int
    public let minor: Int
    /// Whether it is the `a` (architecture-specific) variant.
    public let specific: Bool

    /// `sm_80`, `sm_90a`, ...
    public var name: String { "sm_\(major)\(minor)\(specific ? "a" : "")" }
    public var description: String { name }

    /// The architecture of a device of compute capability `major.minor`.
    public init(major: Int, minor: Int, specific: Bool = false) {
        self.major = major
        self.minor = minor
        self.specific = specific
    }

    /// Parses `sm_XY` or `sm_XYa` (the last digit is the minor version, e.g. `sm_100a` is 10.0).
    ///
    /// - Throws: ``CUDAError/invalidArchitecture(_:)``.
    public init(parsing text: String) throws(CUDAError) {
        guard text.hasPrefix("sm_") else { throw .invalidArchitecture(text) }
        var digits = Substring(text.dropFirst(3))
        let specific = digits.hasSuffix("a")
        if specific { digits = digits.dropLast() }
        guard digits.count >= 2, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
              let major = Int(digits.dropLast()), let minor = Int(digits.suffix(1)), major >= 3
        else { throw .invalidArchitecture(text) }
        self.init(major: major, minor: minor, specific: specific)
    }

    /// A comma-separated list of architectures (`sm_80,sm_89,sm_90a`).
    public static func list(_ text: String) throws(CUDAError) -> [GPUArchitecture] {
        try text.split(separator: ",").map { part throws(CUDAError) in try GPUArchitecture(parsing: String(part)) }
    }
}
