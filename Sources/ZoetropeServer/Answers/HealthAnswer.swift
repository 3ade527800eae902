import ZoetropeWorker

/// The answer to `GET /healthz` and `GET /readyz`: `ok`, `ready`, or `unavailable` with the
/// reason; `/readyz` also tells how each configured upstream has been answering.
struct HealthAnswer: Codable, Equatable {
    var status: String
    var error: String?
    /// Each upstream's health, by name (only when upstreams are configured).
    var upstreams: [String: Upstream]?

    /// One upstream's health as this process has met it.
    struct Upstream: Codable, Equatable {
        /// `unused`, `ok`, `unreachable`, `key_refused`, `out_of_credits` or `rate_limited`.
        var status: String
        /// What the latest call that went wrong met (never the key).
        var error: String?
        /// Since when it has been in this state (RFC 3339).
        var since: String

        init(_ health: UpstreamHealth) {
            status = health.state.rawValue
            error = health.detail
            since = health.since.iso8601
        }
    }
}
