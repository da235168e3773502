import Checkpoint
import JSON

/// One turn of a conversation.
public struct ChatMessage: Sendable, Equatable {
    /// `system`, `user`, `assistant`, ...
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    /// The message as a chat template reads it: `{"role": ..., "content": ...}`.
    public var json: JSONValue {
        .object(JSONObject([("role", .string(role)), ("content", .string(content))]))
    }
}
