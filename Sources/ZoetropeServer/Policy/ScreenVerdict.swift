import ZoetropeCore

/// What the content policy's screen decided about one job.
enum ScreenVerdict: Sendable {
    /// The job may run: with the request to store when the screen fetched its remote inputs
    /// (now stored beside the job), and the flagging categories it matched.
    case pass(request: JobRequest?, flags: [PolicyHit])
    /// The job ends FAILED "content policy: <category> (in <field>)" and never reaches an engine.
    case block(PolicyHit)
    /// The job ends FAILED for a reason that is not the policy's (an input that cannot be
    /// fetched or decoded), said as an engine would say it.
    case unusable(String)
}

/// One policy match: the category, the check that found it and the request field it is in.
struct PolicyHit: Sendable, Equatable {
    enum Source: String, Sendable {
        case terms, image, moderation
    }

    var category: String
    var source: Source
    var field: String

    /// The job's error when this hit blocks it; names the category and field, never the terms.
    var failureMessage: String {
        field.isEmpty ? "content policy: \(category)" : "content policy: \(category) (in \(field))"
    }
}
