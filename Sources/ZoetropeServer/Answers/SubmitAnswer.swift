import ZoetropeCore

/// The answer to `POST /v2/{model}`: the request id and the links to poll. The route encodes this
/// type and the OpenAPI document publishes its `jsonSchema`.
struct SubmitAnswer: Codable, Equatable {
    var requestID: String
    var status: JobStatus
    var pollURL: String
    var statusURL: String
    var responseURL: String

    init(job: Job, base: String) {
        let url = "\(base)/v2/requests/\(job.id)"
        requestID = job.id
        status = job.status
        pollURL = url
        statusURL = "\(url)/status"
        responseURL = url
    }

    enum CodingKeys: String, CodingKey {
        case requestID = "request_id", status, pollURL = "poll_url", statusURL = "status_url", responseURL = "response_url"
    }

    static let jsonSchema: JSONValue = [
        "type": "object",
        "required": ["request_id", "status", "poll_url", "status_url", "response_url"],
        "properties": [
            "request_id": ["type": "string", "format": "uuid", "description": "The request id (a lowercase UUID)."],
            "status": [
                "$ref": "#/components/schemas/JobStatus",
                "description": "QUEUED for a new request; a submit repeated with its Idempotency-Key answers the job's current state.",
            ],
            "poll_url": ["type": "string", "format": "uri", "description": "Same as response_url."],
            "status_url": [
                "type": "string", "format": "uri",
                "description": "Absolute URL of GET /v2/requests/{id}/status, built from the server's public base URL.",
            ],
            "response_url": ["type": "string", "format": "uri", "description": "Absolute URL of GET /v2/requests/{id}."],
        ],
        "example": [
            "request_id": "3f1c2b9e-8d4a-4c1e-9b7a-2f6d5e4c3b2a",
            "status": "QUEUED",
            "poll_url": "http://127.0.0.1:8080/v2/requests/3f1c2b9e-8d4a-4c1e-9b7a-2f6d5e4c3b2a",
            "status_url": "http://127.0.0.1:8080/v2/requests/3f1c2b9e-8d4a-4c1e-9b7a-2f6d5e4c3b2a/status",
            "response_url": "http://127.0.0.1:8080/v2/requests/3f1c2b9e-8d4a-4c1e-9b7a-2f6d5e4c3b2a",
        ],
    ]
}
