/// The answer to `GET /v1/webhooks/secret`: the key's webhook signing secret.
struct WebhookSecretAnswer: Codable, Equatable {
    var secret: String
}
