import Foundation

/// One webhook delivery: a finished request's result body POSTed to a URL, retried with backoff
/// until a 2xx answer or the last attempt.
public struct WebhookDelivery: Sendable, Equatable {
    /// Where a delivery stands: still to be tried, answered with a 2xx, or given up.
    public enum State: String, Sendable, Codable {
        case pending, delivered, failed
    }

    public var id: Int
    public var jobID: String
    public var apiKeyID: String
    public var url: String
    /// The body sent, fixed at the first attempt so every retry sends the same bytes.
    public var body: Data?
    public var attempts: Int
    public var nextAttemptAt: Date
    public var state: State
    public var lastError: String?
    public var createdAt: Date

    public init(
        id: Int, jobID: String, apiKeyID: String, url: String, body: Data?, attempts: Int, nextAttemptAt: Date,
        state: State, lastError: String?, createdAt: Date
    ) {
        self.id = id
        self.jobID = jobID
        self.apiKeyID = apiKeyID
        self.url = url
        self.body = body
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.state = state
        self.lastError = lastError
        self.createdAt = createdAt
    }
}

/// One try of a delivery, for the delivery log.
public struct WebhookAttempt: Sendable, Equatable {
    public var attempt: Int
    public var at: Date
    /// The receiver's HTTP status, nil when it could not be reached.
    public var statusCode: Int?
    public var error: String?

    public init(attempt: Int, at: Date, statusCode: Int?, error: String?) {
        self.attempt = attempt
        self.at = at
        self.statusCode = statusCode
        self.error = error
    }
}

/// Durable webhook deliveries. A delivery is queued in the same statement that ends a job with
/// a webhook, so it survives any crash after that.
public protocol WebhookStore: Sendable {
    /// Claims pending deliveries whose next attempt is due by moving their next attempt to
    /// `claimUntil`, so another gateway sharing the store skips them meanwhile; returns them.
    func claimDueWebhookDeliveries(now: Date, claimUntil: Date, limit: Int) async throws -> [WebhookDelivery]
    /// Records one attempt: delivered, failed for good, or pending until `nextAttemptAt`.
    func recordWebhookAttempt(
        deliveryID: Int, body: Data, attempt: WebhookAttempt, state: WebhookDelivery.State, nextAttemptAt: Date
    ) async throws
    /// A request's deliveries with their attempts, oldest first.
    func webhookDeliveries(jobID: String) async throws -> [(WebhookDelivery, [WebhookAttempt])]
    /// The key's signing secret for webhooks (made on first use).
    func webhookSecret(apiKeyID: String) async throws -> String
}
