import ZoetropeCore

/// The answer to `GET /v1/requests`: one page of the caller's requests, newest first, and how
/// many there are in all.
struct HistoryAnswer: Codable, Equatable {
    var requests: [Entry]
    var page: Int
    var perPage: Int
    var total: Int

    /// One request: what was asked (inline data left out), how it went, the output while kept.
    struct Entry: Codable, Equatable {
        var requestID: String
        var model: String
        var status: JobStatus
        var createdAt: String
        /// Null until the job ends.
        var completedAt: String?
        /// Seconds from submission to the end; null until then.
        var latency: Double?
        /// What the request was charged: its price when COMPLETED, 0 otherwise.
        var cost: Double
        /// The parameters as the client sent them, uploaded files shown as a note.
        var inputs: JSONValue
        /// Why a FAILED or CANCELLED request ended.
        var error: String?
        /// When COMPLETED: the video's signed URL, or the JSON a model answers.
        var output: JSONValue?

        enum CodingKeys: String, CodingKey {
            case requestID = "request_id", model, status, createdAt = "created_at", completedAt = "completed_at",
                latency, cost, inputs, error, output
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(requestID, forKey: .requestID)
            try container.encode(model, forKey: .model)
            try container.encode(status, forKey: .status)
            try container.encode(createdAt, forKey: .createdAt)
            try container.encode(completedAt, forKey: .completedAt)  // null until then
            try container.encode(latency, forKey: .latency)  // null until then
            try container.encode(cost, forKey: .cost)
            try container.encode(inputs, forKey: .inputs)
            try container.encodeIfPresent(error, forKey: .error)
            try container.encodeIfPresent(output, forKey: .output)
        }
    }

    enum CodingKeys: String, CodingKey {
        case requests, page, perPage = "per_page", total
    }
}
