import Foundation

/// What a status poll shows of a job: read from its own columns, without decoding the request.
public struct JobSnapshot: Sendable, Equatable {
    public var id: String
    /// The API key that submitted the job; other keys never see it.
    public var apiKeyID: String
    public var status: JobStatus
    /// Fraction done, 0...1.
    public var progress: Double
    public var error: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, apiKeyID: String, status: JobStatus, progress: Double, error: String?, createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.apiKeyID = apiKeyID
        self.status = status
        self.progress = progress
        self.error = error
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

extension Job {
    /// The job as a status poll shows it.
    public var snapshot: JobSnapshot {
        JobSnapshot(
            id: id, apiKeyID: apiKeyID, status: status, progress: progress, error: error, createdAt: createdAt,
            updatedAt: updatedAt)
    }
}
