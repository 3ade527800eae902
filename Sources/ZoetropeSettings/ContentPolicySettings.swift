import ZoetropeServer

/// The content policy's settings (`serve`): the policy file and the moderation service.
public enum ContentPolicySettings {
    public static let all: [Setting<ContentPolicyConfiguration>] = [
        .optionalText("content-policy", \.file, "A JSON content policy (docs/content-policy.md); reloaded when it changes or on SIGHUP", whenAbsent: "the standard policy"),
        .optionalText("moderation-url", \.moderationURL, "A moderation service in the shape of OpenAI's /v1/moderations, asked about every request's texts and images", whenAbsent: "none"),
        .optionalText("moderation-key", \.moderationKey, "Bearer token for the moderation service", secret: true, whenAbsent: "none"),
        .duration("moderation-timeout", \.moderationTimeout, "The longest the moderation service may take to answer"),
        .on("moderation-fail-open", \.moderationFailOpen, "Run a job when the moderation service gives no verdict (the default ends it FAILED)"),
    ]
}
