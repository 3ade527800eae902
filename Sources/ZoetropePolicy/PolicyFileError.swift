/// A content-policy file that cannot be used, and why.
public struct PolicyFileError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var reason: String
    public var description: String { "content policy \(path) \(reason)" }
}
