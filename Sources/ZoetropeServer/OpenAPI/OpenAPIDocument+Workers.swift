import ZoetropeCore

/// The OpenAPI operations tagged `workers`.
extension OpenAPIDocument {
    /// `PUT /files/{key}`.
    static let uploadFile: JSONValue = [
        "operationId": "uploadFile",
        "tags": ["workers"],
        "summary": "Upload a worker's video to a signed upload link (local blob store)",
        "security": [],
        "parameters": [
            ["name": "key", "in": "path", "required": true, "schema": ["type": "string"]],
            ["name": "expires", "in": "query", "required": true, "schema": ["type": "integer"]],
            ["name": "signature", "in": "query", "required": true, "schema": ["type": "string"]],
        ],
        "requestBody": ["required": true, "content": ["video/mp4": ["schema": ["type": "string", "format": "binary"]]]],
        "responses": [
            "200": ["description": "Stored."],
            "400": ["$ref": "#/components/responses/BadRequest"],
            "403": errorResponse("Unsigned, tampered or expired link."),
        ],
    ]

    /// `POST /v1/worker/lease`.
    static let workerLease: JSONValue = [
        "operationId": "workerLease",
        "tags": ["workers"],
        "summary": "Lease a job (long poll)",
        "description": "Takes the oldest queued job of the given models (or one whose lease expired, attempts left) for this worker. Waits up to wait_seconds; woken at once when a job is queued in any gateway (PostgreSQL LISTEN/NOTIFY).",
        "security": [["WorkerToken": []]],
        "requestBody": [
            "required": true,
            "content": ["application/json": ["schema": ["$ref": "#/components/schemas/WorkerLeaseRequest"]]],
        ],
        "responses": [
            "200": [
                "description": "A job, leased to this worker.",
                "content": ["application/json": ["schema": ["$ref": "#/components/schemas/WorkerAssignment"]]],
            ],
            "400": ["$ref": "#/components/responses/BadRequest"],
            "401": ["$ref": "#/components/responses/Unauthorized"],
            "403": errorResponse("Not a worker token."),
            "415": ["$ref": "#/components/responses/UnsupportedMediaType"],
            "204": ["description": "No job came within wait_seconds; ask again."],
        ],
    ]

    /// `POST /v1/worker/jobs/{id}/heartbeat`.
    static let workerHeartbeat = workerJobOperation(
        "workerHeartbeat", summary: "Report progress and extend the lease", description: "Send every few seconds while rendering.",
        body: "WorkerHeartbeat", answer: "WorkerLeaseExtension", answered: "The lease's new expiry.")

    /// `POST /v1/worker/jobs/{id}/complete`.
    static let workerComplete = workerJobOperation(
        "workerComplete", summary: "Complete the job",
        description: "After PUTting the video to the upload link (video models), or with the voice made (kling-create-voice). The gateway checks the video first: an MP4 within the upload cap, one H.264 stream of the requested size and frame count, and an AAC track exactly when audio was asked for.",
        body: "WorkerCompletion", answer: "WorkerJobState", answered: "The request is COMPLETED.",
        conflict: errorResponse(
            "The lease is not (or no longer) this worker's (stop working on it), or the video was not uploaded to the lease's upload key first."),
        refusal: errorResponse(
            "The upload is not the video asked for (the error says what is wrong): it is deleted and the lease ends; the request is queued again for another attempt, or FAILED with that reason after its last."))

    /// `POST /v1/worker/jobs/{id}/fail`.
    static let workerFail = workerJobOperation(
        "workerFail", summary: "Fail the job with a reason",
        description: "The reason becomes the request's error; the client is charged nothing.",
        body: "WorkerFailReason", answer: "WorkerJobState", answered: "The request is FAILED.")

    /// `POST /v1/worker/jobs/{id}/release`.
    static let workerRelease = workerJobOperation(
        "workerRelease", summary: "Hand the job back",
        description: "For a worker that is stopping: the job is queued again and the attempt is not counted.",
        body: "WorkerFailure", answer: "WorkerJobState", answered: "The request is QUEUED again.")

    /// A call on a leased job (`/v1/worker/jobs/{id}/…`): a worker token, a JSON body, an answer,
    /// and the refusals every such call shares (409 when the lease is lost, unless `conflict` says
    /// more), with `refusal` as its 422 when it has one.
    static func workerJobOperation(
        _ operationID: String, summary: String, description: String, body: String, answer: String, answered: String,
        conflict: JSONValue = ["$ref": "#/components/responses/LeaseLost"], refusal: JSONValue? = nil
    ) -> JSONValue {
        var responses: [String: JSONValue] = [
            "200": [
                "description": .string(answered),
                "content": ["application/json": ["schema": ["$ref": .string("#/components/schemas/\(answer)")]]],
            ],
            "400": ["$ref": "#/components/responses/BadRequest"],
            "401": ["$ref": "#/components/responses/Unauthorized"],
            "403": errorResponse("Not a worker token."),
            "404": errorResponse("No such request."),
            "415": ["$ref": "#/components/responses/UnsupportedMediaType"],
            "409": conflict,
        ]
        responses["422"] = refusal
        return [
            "operationId": .string(operationID),
            "tags": ["workers"],
            "summary": .string(summary),
            "description": .string(description),
            "security": [["WorkerToken": []]],
            "parameters": [["name": "id", "in": "path", "required": true, "schema": ["type": "string"]]],
            "requestBody": [
                "required": true,
                "content": ["application/json": ["schema": ["$ref": .string("#/components/schemas/\(body)")]]],
            ],
            "responses": .object(responses),
        ]
    }
}
