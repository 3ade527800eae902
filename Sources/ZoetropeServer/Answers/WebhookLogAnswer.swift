import ZoetropeCore

/// The answer to `GET /v2/requests/{id}/webhooks`: the request's webhook deliveries, each with
/// every attempt made.
struct WebhookLogAnswer: Codable, Equatable {
    var deliveries: [Delivery]

    /// One webhook target: where, how it stands, what was tried, when it is tried next.
    struct Delivery: Codable, Equatable {
        var url: String
        var state: WebhookDelivery.State
        var attempts: [Attempt]
        /// While pending; null otherwise.
        var nextAttemptAt: String?

        init(_ delivery: WebhookDelivery, attempts: [WebhookAttempt]) {
            url = delivery.url
            state = delivery.state
            self.attempts = attempts.map(Attempt.init)
            nextAttemptAt = delivery.state == .pending ? delivery.nextAttemptAt.iso8601 : nil
        }

        enum CodingKeys: String, CodingKey {
            case url, state, attempts, nextAttemptAt = "next_attempt_at"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(url, forKey: .url)
            try container.encode(state, forKey: .state)
            try container.encode(attempts, forKey: .attempts)
            try container.encode(nextAttemptAt, forKey: .nextAttemptAt)
        }
    }

    /// One POST to the target: when, and the HTTP status or the error (null when absent).
    struct Attempt: Codable, Equatable {
        var attempt: Int
        var at: String
        var statusCode: Int?
        var error: String?

        init(_ attempt: WebhookAttempt) {
            self.attempt = attempt.attempt
            at = attempt.at.iso8601
            statusCode = attempt.statusCode
            error = attempt.error
        }

        enum CodingKeys: String, CodingKey {
            case attempt, at, statusCode = "status_code", error
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(attempt, forKey: .attempt)
            try container.encode(at, forKey: .at)
            try container.encode(statusCode, forKey: .statusCode)
            try container.encode(error, forKey: .error)
        }
    }
}
