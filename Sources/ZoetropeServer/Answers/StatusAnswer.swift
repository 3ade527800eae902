import Foundation
import ZoetropeCore

/// The answer to `GET /v2/requests/{id}/status` (and to a cancel, and each `status` event of the
/// stream). The route encodes this type and the OpenAPI document publishes its `jsonSchema`.
struct StatusAnswer: Codable, Equatable {
    var requestID: String
    var status: JobStatus
    /// 0...1, three decimals.
    var progress: Double
    /// 1-based among queued jobs while QUEUED; 0 otherwise.
    var queuePosition: Int
    var createdAt: String
    var updatedAt: String
    /// Why a FAILED or CANCELLED request ended.
    var error: String?

    init(job: JobSnapshot, queuePosition: Int) {
        requestID = job.id
        status = job.status
        progress = (job.progress * 1000).rounded() / 1000
        self.queuePosition = queuePosition
        createdAt = job.createdAt.iso8601
        updatedAt = job.updatedAt.iso8601
        switch job.status {
        case .failed: error = job.error ?? "the job failed"
        case .cancelled: error = job.error ?? "cancelled by the client"
        default: error = nil
        }
    }

    /// FAILED answers are served under 422.
    var failed: Bool { status == .failed }

    enum CodingKeys: String, CodingKey {
        case requestID = "request_id", status, progress, queuePosition = "queue_position", createdAt = "created_at",
            updatedAt = "updated_at", error
    }

    static let jsonSchema: JSONValue = [
        "type": "object",
        "required": ["request_id", "status", "progress", "queue_position", "created_at", "updated_at"],
        "properties": [
            "request_id": ["type": "string", "format": "uuid", "description": "The request id (a lowercase UUID)."],
            "status": ["$ref": "#/components/schemas/JobStatus"],
            "progress": ["type": "number", "minimum": 0, "maximum": 1, "description": "Fraction done, 0 to 1 (three decimals)."],
            "queue_position": [
                "type": "integer", "minimum": 0,
                "description": "1-based position among all queued jobs while QUEUED; 0 when not queued.",
            ],
            "created_at": [
                "type": "string", "format": "date-time",
                "description": "When the request was submitted. RFC 3339, UTC, with milliseconds.",
            ],
            "updated_at": [
                "type": "string", "format": "date-time",
                "description": "When the job last changed. RFC 3339, UTC, with milliseconds.",
            ],
            "error": ["type": "string", "description": "Only when status is FAILED (served with HTTP 422) or CANCELLED."],
        ],
        "example": [
            "request_id": "3f1c2b9e-8d4a-4c1e-9b7a-2f6d5e4c3b2a",
            "status": "PROCESSING",
            "progress": 0.42,
            "queue_position": 0,
            "created_at": "2025-01-01T12:00:00.000Z",
            "updated_at": "2025-01-01T12:00:07.250Z",
        ],
    ]
}
