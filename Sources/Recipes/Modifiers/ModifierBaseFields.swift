/// The fields llm-compressor 0.14's `Modifier` base class gives every modifier: whether it needs
/// calibration data, and its (training) schedule, which oneshot ignores but saves.
public struct ModifierBaseFields: Equatable, Sendable {
    public var requiresCalibrationData: Bool
    public var index: Int?
    public var start: Double?
    public var end: Double?
    public var update: Double?

    /// The fields with nothing written; `requiresCalibrationData` is the class default.
    public init(requiresCalibrationData: Bool) {
        self.requiresCalibrationData = requiresCalibrationData
    }

    static let keys = ["requires_calibration_data", "index", "start", "end", "update"]

    /// Reads `key` when it is a base field; returns false for any other key. `group` is refused:
    /// a modifier's group is the name of its `*_modifiers` key.
    mutating func read(_ key: String, keyNode: YAMLNode, value node: YAMLNode) throws(RecipeError) -> Bool {
        switch key {
        case "requires_calibration_data": requiresCalibrationData = try node.bool(for: key)
        case "index": index = try node.optionalInt(for: key)
        case "start": start = try node.optionalNumber(for: key)
        case "end": end = try node.optionalNumber(for: key)
        case "update": update = try node.optionalNumber(for: key)
        case "group":
            throw .unsupportedKey(keyNode.position, key: key,
                                  reason: "a modifier's group is the name of its '*_modifiers' key (llm-compressor 0.14 fails on an explicit 'group')")
        default: return false
        }
        return true
    }

    /// The fields as `model_dump()` gives them, null ones left out (as llm-compressor saves them).
    var savedMembers: [(key: String, value: PyYAMLValue)] {
        var members: [(key: String, value: PyYAMLValue)] = [("requires_calibration_data", .scalar(.bool(requiresCalibrationData)))]
        if let index { members.append(("index", .scalar(.integer(Int64(index))))) }
        if let start { members.append(("start", .scalar(.double(start)))) }
        if let end { members.append(("end", .scalar(.double(end)))) }
        if let update { members.append(("update", .scalar(.double(update)))) }
        return members
    }
}
