import JSON

extension YAMLNode {
    /// The YAML node a JSON document parses into (JSON being YAML's flow subset), every node at
    /// `position`: JSON read by the checkpoint layer carries no positions. Numbers keep the text
    /// they were read with, so they resolve as the same integers and floats.
    package init(json: JSONValue, position: SourcePosition) {
        let value: Value
        switch json {
        case .null: value = .scalar("null", .null)
        case let .bool(flag): value = .scalar(flag ? "true" : "false", .bool)
        case let .integer(number): value = .scalar(String(number), .integer)
        case let .double(number, literal): value = .scalar(literal ?? "\(number)", .float)
        case let .string(text): value = .scalar(text, .string)
        case let .array(items): value = .sequence(items.map { YAMLNode(json: $0, position: position) })
        case let .object(object):
            value = .mapping(object.members.map { member in
                (YAMLNode(json: .string(member.key), position: position), YAMLNode(json: member.value, position: position))
            })
        }
        self.init(value: value, position: position)
    }
}
