/// The moderation service could not give a verdict, and why.
public struct ModerationUnavailable: Error, CustomStringConvertible, Sendable {
    public var reason: String
    public var description: String { "the moderation service gave no verdict: \(reason)" }
}
