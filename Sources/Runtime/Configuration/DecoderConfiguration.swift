/// The config.json of one architecture: the keys every decoder shares, and its own.
public protocol DecoderConfiguration: Decodable {
    /// The shared keys.
    var transformer: TransformerConfiguration { get }
}

extension TransformerConfiguration: DecoderConfiguration {
    public var transformer: TransformerConfiguration { self }
}
