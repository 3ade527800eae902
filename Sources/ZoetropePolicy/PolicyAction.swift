/// What a content-policy category does with a request that matches it.
public enum PolicyAction: String, Sendable, Codable, Equatable {
    /// The job ends FAILED with "content policy: <category>" and never reaches an engine.
    case block
    /// The job runs; the match is counted and listed for operators.
    case flag
}
