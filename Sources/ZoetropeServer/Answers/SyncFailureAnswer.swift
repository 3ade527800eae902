import ZoetropeCore

/// The answer to `POST /v1/{model}` when the job did not complete (served under 422): the
/// request id, its final state and why.
struct SyncFailureAnswer: Codable, Equatable {
    var requestID: String
    var status: JobStatus
    var error: String

    init(job: Job) {
        requestID = job.id
        status = job.status
        error = job.error ?? "the job failed"
    }

    enum CodingKeys: String, CodingKey {
        case requestID = "request_id", status, error
    }
}
