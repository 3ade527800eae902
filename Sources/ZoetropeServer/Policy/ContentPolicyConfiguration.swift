import Foundation

/// How the gateway applies its content policy: the policy file (the standard policy without
/// one) and the operator's moderation service, if any.
public struct ContentPolicyConfiguration: Sendable {
    /// A JSON policy file (`ContentPolicy`), watched and reloaded when it changes or on SIGHUP.
    public var file: String?
    /// The moderation service's URL (OpenAI `/v1/moderations` shape); nil: none is asked.
    public var moderationURL: String?
    /// Sent to the moderation service as a bearer token.
    public var moderationKey: String?
    /// The longest the moderation service may take to answer.
    public var moderationTimeout: Duration = .seconds(10)
    /// When the moderation service gives no verdict: run the job anyway (true) or end it FAILED
    /// "content policy: moderation unavailable" (false, the default).
    public var moderationFailOpen = false

    public init() {}
}
