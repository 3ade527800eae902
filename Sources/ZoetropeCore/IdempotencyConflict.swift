/// An idempotency key already used with a different request body: the key and the request it
/// named.
public struct IdempotencyConflict: Error, Sendable, Equatable, CustomStringConvertible {
    public var key: String
    /// The request the key was first used for.
    public var requestID: String

    public init(key: String, requestID: String) {
        self.key = key
        self.requestID = requestID
    }

    /// The sentence the client sees.
    public var message: String {
        "Idempotency-Key '\(key)' was already used with a different request body (request \(requestID))"
    }

    public var description: String { message }
}
