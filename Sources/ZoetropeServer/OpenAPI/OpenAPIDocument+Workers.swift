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
            "204": ["description": "No job came within wait_seconds; ask again."],
        ],
    ]

    /// `POST /v1/worker/jobs/{id}/heartbeat`.
    static let workerHeartbeat: JSONValue = [
        "operationId": "workerHeartbeat",
        "tags": ["workers"],
        "summary": "Report progress and extend the lease",
        "description": "Send every few seconds while rendering.",
        "security": [["WorkerToken": []]],
        "requestBody": [
            "required": true,
            "content": ["application/json": ["schema": ["$ref": "#/components/schemas/WorkerHeartbeat"]]],
        ],
        "responses": [
            "200": [
                "description": "The lease's new expiry.",
                "content": ["application/json": ["schema": ["$ref": "#/components/schemas/WorkerLeaseExtension"]]],
            ],
            "400": ["$ref": "#/components/responses/BadRequest"],
            "401": ["$ref": "#/components/responses/Unauthorized"],
            "403": errorResponse("Not a worker token."),
            "404": errorResponse("No such request."),
            "409": ["$ref": "#/components/responses/LeaseLost"],
        ],
        "parameters": [["name": "id", "in": "path", "required": true, "schema": ["type": "string"]]],
    ]

    /// `POST /v1/worker/jobs/{id}/complete`.
    static let workerComplete: JSONValue = [
        "operationId": "workerComplete",
        "tags": ["workers"],
        "summary": "Complete the job",
        "description": "After PUTting the video to the upload link (video models), or with the voice made (kling-create-voice).",
        "security": [["WorkerToken": []]],
        "requestBody": [
            "required": true,
            "content": ["application/json": ["schema": ["$ref": "#/components/schemas/WorkerCompletion"]]],
        ],
        "responses": [
            "200": [
                "description": "The request is COMPLETED.",
                "content": ["application/json": ["schema": ["$ref": "#/components/schemas/WorkerJobState"]]],
            ],
            "400": ["$ref": "#/components/responses/BadRequest"],
            "401": ["$ref": "#/components/responses/Unauthorized"],
            "403": errorResponse("Not a worker token."),
            "404": errorResponse("No such request."),
            "409": errorResponse("The lease is not (or no longer) this worker's (stop working on it), or the video was not uploaded to the lease's upload key first."),
        ],
        "parameters": [["name": "id", "in": "path", "required": true, "schema": ["type": "string"]]],
    ]

    /// `POST /v1/worker/jobs/{id}/fail`.
    static let workerFail: JSONValue = [
        "operationId": "workerFail",
        "tags": ["workers"],
        "summary": "Fail the job with a reason",
        "description": "The reason becomes the request's error; the client is charged nothing.",
        "security": [["WorkerToken": []]],
        "requestBody": [
            "required": true,
            "content": ["application/json": ["schema": ["$ref": "#/components/schemas/WorkerFailReason"]]],
        ],
        "responses": [
            "200": [
                "description": "The request is FAILED.",
                "content": ["application/json": ["schema": ["$ref": "#/components/schemas/WorkerJobState"]]],
            ],
            "400": ["$ref": "#/components/responses/BadRequest"],
            "401": ["$ref": "#/components/responses/Unauthorized"],
            "403": errorResponse("Not a worker token."),
            "404": errorResponse("No such request."),
            "409": ["$ref": "#/components/responses/LeaseLost"],
        ],
        "parameters": [["name": "id", "in": "path", "required": true, "schema": ["type": "string"]]],
    ]

    /// `POST /v1/worker/jobs/{id}/release`.
    static let workerRelease: JSONValue = [
        "operationId": "workerRelease",
        "tags": ["workers"],
        "summary": "Hand the job back",
        "description": "For a worker that is stopping: the job is queued again and the attempt is not counted.",
        "security": [["WorkerToken": []]],
        "requestBody": [
            "required": true,
            "content": ["application/json": ["schema": ["$ref": "#/components/schemas/WorkerFailure"]]],
        ],
        "responses": [
            "200": [
                "description": "The request is QUEUED again.",
                "content": ["application/json": ["schema": ["$ref": "#/components/schemas/WorkerJobState"]]],
            ],
            "400": ["$ref": "#/components/responses/BadRequest"],
            "401": ["$ref": "#/components/responses/Unauthorized"],
            "403": errorResponse("Not a worker token."),
            "404": errorResponse("No such request."),
            "409": ["$ref": "#/components/responses/LeaseLost"],
        ],
        "parameters": [["name": "id", "in": "path", "required": true, "schema": ["type": "string"]]],
    ]

}
