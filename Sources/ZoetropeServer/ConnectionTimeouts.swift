import NIOCore

/// How long a connection may sit idle, take to send a request head, and take to send a body,
/// and how long it may linger after an answer that closes it (see `ConnectionDeadlineHandler`).
struct ConnectionTimeouts: Sendable {
    /// No request in progress and none started: the connection is closed.
    var idle: TimeAmount
    /// From the first byte of a request to the end of its head: 408, then closed.
    var header: TimeAmount
    /// From the end of a request's head to the end of its body: 408, then closed.
    var body: TimeAmount
    /// After an answer with `Connection: close` is written, the connection's sending side is shut
    /// at once and the rest of it is closed when the client closes or this much later.
    var linger: TimeAmount = .seconds(2)

    init(_ configuration: ServerConfiguration) {
        idle = Self.amount(configuration.idleTimeout)
        header = Self.amount(configuration.headerTimeout)
        body = Self.amount(configuration.bodyTimeout)
    }

    /// `seconds` as a `TimeAmount` (at most about 95 years, which `TimeAmount` can hold).
    static func amount(_ seconds: Double) -> TimeAmount { .nanoseconds(Int64(min(max(seconds, 0), 3e9) * 1e9)) }
}
