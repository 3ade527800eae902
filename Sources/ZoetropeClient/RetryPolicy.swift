import Foundation

/// When and how long the client waits before trying a request again: exponential backoff with
/// full jitter, honouring the server's `Retry-After`. Polls are retried on 429, 502, 503 and
/// connection errors; a submit is retried on 429 (the server took nothing) and, only when the
/// request carries an idempotency key, on 502, 503 and connection errors too.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int = 5, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(20)) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// No retries at all.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// HTTP statuses worth another try.
    static let retryableStatuses: Set<Int> = [429, 502, 503]

    /// The wait before attempt `attempt + 1` (attempt counts from 1): the server's `Retry-After`
    /// when it gave one, else a random time up to `baseDelay × 2^(attempt-1)`, at most `maxDelay`.
    func delay(afterAttempt attempt: Int, retryAfter: Double?) -> Duration {
        if let retryAfter { return min(.milliseconds(Int(retryAfter * 1000)), maxDelay) }
        let ceiling = min(baseDelay * (1 << min(attempt - 1, 16)), maxDelay)
        let milliseconds = Int(Double(ceiling.components.seconds * 1000) + Double(ceiling.components.attoseconds) / 1e15)
        return .milliseconds(Int.random(in: 0...max(milliseconds, 1)))
    }
}
