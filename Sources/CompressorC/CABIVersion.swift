/// The version `llmc_version` reports: the C ABI's, raised when a function or option changes.
enum CABIVersion {
    static let text: StaticString = "1.0.0"
}
