/// A part the gateway stores into cannot be reached right now — the database (down, restarting,
/// or not answering within the gateway's database timeout), or the blob store's disk or bucket.
/// Nothing was changed by the failed call; the same call may succeed later. Answered 503 with
/// `Retry-After`.
public struct StoreUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
    /// Which part: `database`, `storage`.
    public var part: String
    /// Why, fit for a client: no addresses, keys or paths.
    public var reason: String
    /// Seconds a client should wait before trying again.
    public var retryAfter: Int

    public init(part: String, reason: String, retryAfter: Int = 5) {
        self.part = part
        self.reason = reason
        self.retryAfter = retryAfter
    }

    /// The database did not answer: `database unavailable: <reason>`.
    public static func database(_ reason: String) -> StoreUnavailable {
        StoreUnavailable(part: "database", reason: reason)
    }

    /// The sentence the client sees.
    public var message: String { "\(part) unavailable: \(reason); retry later" }

    public var description: String { message }
}
