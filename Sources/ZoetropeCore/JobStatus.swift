/// The life-cycle states of a job, spelled as the Segmind v2 API spells them.
public enum JobStatus: String, Sendable, Codable, CaseIterable {
    case queued = "QUEUED"
    case processing = "PROCESSING"
    case completed = "COMPLETED"
    case failed = "FAILED"
    /// Stopped by its client (`POST /v2/requests/{id}/cancel`); no output.
    case cancelled = "CANCELLED"

    /// Whether the job has ended and will not change again.
    public var isTerminal: Bool { self == .completed || self == .failed || self == .cancelled }
}
