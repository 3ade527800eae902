import Foundation

/// The reasons a job run on an upstream fails, as its client reads them: prefixed `upstream: `, so
/// they are told apart from the gateway's own, and never naming the operator's key or account.
enum UpstreamReason {
    static let prefix = "upstream: "
    static let unreachable = prefix + "the service that runs this model could not be reached; try again later"
    static let keyRefused = prefix + "the service that runs this model refused this gateway's credentials; the operator has been told"
    static let outOfCredits = prefix + "the service that runs this model has no credit left for this gateway; the operator has been told"
    static let expired = prefix + "the request expired on the service that runs this model before its result was collected"
    static let cancelled = prefix + "the request was cancelled on the service that runs this model"
    static let unknownUpstream = prefix + "this request was sent to an upstream this gateway is no longer configured with"

    /// The upstream's own words for why it failed or refused the request, with the key hidden.
    static func upstreamSaid(_ text: String?, key: UpstreamKey, fallback: String) -> String {
        let said = text.map { key.redacting($0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        return prefix + (said.isEmpty ? fallback : String(said.prefix(1000)))
    }
}
