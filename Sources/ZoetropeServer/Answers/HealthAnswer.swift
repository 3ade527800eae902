/// The answer to `GET /healthz` and `GET /readyz`: `ok`, `ready`, or `unavailable` with the reason.
struct HealthAnswer: Codable, Equatable {
    var status: String
    var error: String?
}
