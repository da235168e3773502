/// A place in a recipe file: the file name as given to the parser and a 1-based line and column
/// (columns count Unicode scalars, as libyaml does).
public struct SourcePosition: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `FILE:LINE:COLUMN`, the form compilers use, so editors can jump to it.
    public var description: String { "\(file):\(line):\(column)" }
}
