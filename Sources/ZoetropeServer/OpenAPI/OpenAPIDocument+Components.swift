import ZoetropeCore
import ZoetropeWorker

/// The OpenAPI document's shared schemas: the bodies the routes answer with.
extension OpenAPIDocument {
    static let errorSchema: JSONValue = [
        "type": "object",
        "required": ["error"],
        "additionalProperties": false,
        "properties": ["error": ["type": "string", "description": "One human sentence naming the field or cause."]],
        "example": ["error": "unknown parameter: promt"],
    ]

    static let jobStatusSchema: JSONValue = [
        "type": "string",
        "enum": ["QUEUED", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED"],
        "description": "QUEUED (waiting for a render slot), PROCESSING (rendering), COMPLETED (the video is ready), FAILED (see error), CANCELLED (stopped by its client).",
    ]

    static let healthSchema: JSONValue = [
        "type": "object",
        "required": ["status"],
        "properties": ["status": ["type": "string", "const": "ok"]],
        "example": ["status": "ok"],
    ]

    static let modelSchema: JSONValue = [
        "type": "object",
        "required": ["slug", "engine", "description", "output", "parameters"],
        "properties": [
            "slug": [
                "type": "string",
                "description": "The path segment to call, as in POST /v1/{slug}.",
                "examples": ["kling-3-pro-image2video"],
            ],
            "engine": [
                "type": "string",
                "description": "The engine that renders this model on this server (`upstream` when only an upstream serves it).",
            ],
            "upstream": [
                "type": "object",
                "description": "Present when the operator routes the model to an upstream (a hosted Segmind-compatible API): its name, the model's slug there, and, when this server's own renderers come first, how long a queued job waits before the upstream takes it.",
                "required": ["name", "slug"],
                "properties": [
                    "name": ["type": "string"],
                    "slug": ["type": "string"],
                    "overflow_after_seconds": ["type": "number", "minimum": 0],
                ],
            ],
            "description": ["type": "string"],
            "output": [
                "type": "string",
                "enum": ["video/mp4", "application/json"],
                "description": "What a finished job's output is.",
            ],
            "parameters": [
                "type": "object",
                "description": "JSON Schema of the request body (the same schema as the model's request body in components/schemas).",
            ],
        ],
    ]

    static let modelListSchema: JSONValue = [
        "type": "object",
        "required": ["models"],
        "properties": ["models": ["type": "array", "items": ["$ref": "#/components/schemas/Model"]]],
    ]

    static let voiceOutputSchema: JSONValue = [
        "type": "object",
        "required": ["voice_id", "voice_name"],
        "description": "The output of a completed kling-create-voice job (the v2 result's output, or the v1 body).",
        "properties": [
            "voice_id": ["type": "string", "example": "voice_3f1c0b2a9e8d4c7b8a6f5e4d3c2b1a09"],
            "voice_name": ["type": "string"],
        ],
    ]

    static let voiceSchema: JSONValue = [
        "type": "object",
        "required": ["voice_id", "voice_name", "pitch_hz", "syllables_per_second", "espeak", "created_at"],
        "description": "A voice made by kling-create-voice: what was measured in its sample and the espeak-ng settings that speak for it.",
        "properties": [
            "voice_id": ["type": "string"],
            "voice_name": ["type": "string"],
            "pitch_hz": ["type": "number", "description": "Median fundamental frequency of the sample's voiced speech."],
            "syllables_per_second": ["type": "number"],
            "espeak": [
                "type": "object",
                "properties": [
                    "variant": ["type": "string"],
                    "pitch": ["type": "integer"],
                    "words_per_minute": ["type": "integer"],
                ],
            ],
            "created_at": ["type": "string", "format": "date-time"],
        ],
    ]

    static let voiceListSchema: JSONValue = [
        "type": "object",
        "required": ["voices"],
        "properties": ["voices": ["type": "array", "items": ["$ref": "#/components/schemas/Voice"]]],
    ]

    static let apiKeySchema: JSONValue = [
        "type": "object",
        "properties": [
            "id": ["type": "string"],
            "name": ["type": "string"],
            "role": ["type": "string", "enum": .array(APIKey.Role.allCases.map { .string($0.rawValue) })],
            "access": ["type": "string", "enum": ["full", "submit-only", "read-only"]],
            "models": ["type": ["array", "null"], "items": ["type": "string"]],
            "credits": ["type": ["number", "null"]],
            "webhook": ["type": ["string", "null"]],
            "created_at": ["type": "string", "format": "date-time"],
            "revoked_at": ["type": ["string", "null"], "format": "date-time"],
        ],
    ]

    static let readinessSchema: JSONValue = [
        "type": "object",
        "required": ["status"],
        "properties": [
            "status": ["type": "string", "enum": ["ready", "unavailable"]],
            "error": ["type": "string"],
            "upstreams": [
                "type": "object",
                "description": "Present when upstreams are configured: how each has been answering this process's calls, by name. An upstream's trouble does not make the server unready.",
                "additionalProperties": [
                    "type": "object",
                    "required": ["status", "since"],
                    "properties": [
                        "status": [
                            "type": "string",
                            "enum": .array(UpstreamHealth.State.allCases.map { .string($0.rawValue) }),
                        ],
                        "error": ["type": "string", "description": "What the latest call that went wrong met."],
                        "since": ["type": "string", "format": "date-time"],
                    ],
                ],
            ],
        ],
    ]

    /// The shared schemas by name.
    static var schemas: [String: JSONValue] {
        [
            "Error": errorSchema,
            "JobStatus": jobStatusSchema,
            "Health": healthSchema,
            "Model": modelSchema,
            "ModelList": modelListSchema,
            "SyncFailure": syncFailureSchema,
            "SubmitResponse": SubmitAnswer.jsonSchema,
            "RequestStatus": StatusAnswer.jsonSchema,
            "Metrics": metricsSchema,
            "RequestResult": requestResultSchema,
            "RenderPlan": renderPlanSchema,
            "VoiceOutput": voiceOutputSchema,
            "Voice": voiceSchema,
            "VoiceList": voiceListSchema,
            "APIKey": apiKeySchema,
            "WorkerLeaseRequest": WorkerProtocol.LeaseRequest.jsonSchema,
            "WorkerUpload": WorkerProtocol.Upload.jsonSchema,
            "WorkerAssignment": WorkerProtocol.Assignment.jsonSchema,
            "WorkerHeartbeat": WorkerProtocol.Heartbeat.jsonSchema,
            "WorkerLeaseExtension": WorkerProtocol.LeaseExtension.jsonSchema,
            "WorkerCompletion": WorkerProtocol.Completion.jsonSchema,
            "WorkerFailure": WorkerProtocol.Failure.jsonSchema,
            "WorkerFailReason": WorkerProtocol.Failure.failSchema,
            "WorkerJobState": WorkerProtocol.JobState.jsonSchema,
            "WorkerVoice": WorkerProtocol.Voice.jsonSchema,
            "Readiness": readinessSchema,
        ]
    }

    /// The shared responses by name.
    static let responses: JSONValue = [
        "BadRequest": [
            "description": "Invalid parameters or request format: the body is not valid JSON or not an object, a field has the wrong type or value (the message names the field), or the body holds unknown fields (refused, naming them).",
            "content": [
                "application/json": [
                    "schema": ["$ref": "#/components/schemas/Error"],
                    "example": ["error": "cfg_scale must be between 0 and 1, got 1.5"],
                ],
            ],
        ],
        "UnsupportedMediaType": [
            "description": "The body is not declared as JSON: send Content-Type: application/json (charset=utf-8 or none).",
            "content": [
                "application/json": [
                    "schema": ["$ref": "#/components/schemas/Error"],
                ],
            ],
        ],
        "Unauthorized": [
            "description": "Missing or invalid API key. Send it in the x-api-key header (Authorization: Bearer <key> is also accepted).",
            "content": [
                "application/json": [
                    "schema": ["$ref": "#/components/schemas/Error"],
                    "example": ["error": "missing API key: send it in the x-api-key header"],
                ],
            ],
        ],
        "NotFound": [
            "description": "The model, endpoint or request was not found. A request id that is unknown, expired (results are kept 1 hour after submission by default) or belongs to another API key is 404.",
            "content": [
                "application/json": [
                    "schema": ["$ref": "#/components/schemas/Error"],
                    "example": ["error": "model 'x' not found"],
                ],
            ],
        ],
        "NotAcceptable": [
            "description": "The request body is not application/json.",
            "content": [
                "application/json": [
                    "schema": ["$ref": "#/components/schemas/Error"],
                    "example": ["error": "request body must be JSON: send Content-Type: application/json"],
                ],
            ],
        ],
        "PayloadTooLarge": [
            "description": "The request body exceeds the server's limit (200 MB by default); a declared Content-Length over it is refused before the body is read. The connection is closed.",
            "content": [
                "application/json": [
                    "schema": ["$ref": "#/components/schemas/Error"],
                    "example": ["error": "request body is 314572800 bytes; at most 209715200 bytes are accepted"],
                ],
            ],
        ],
        "InternalError": [
            "description": "Internal server error.",
            "content": [
                "application/json": [
                    "schema": ["$ref": "#/components/schemas/Error"],
                    "example": ["error": "internal server error"],
                ],
            ],
        ],
        "GatewayTimeout": [
            "description": "The video was not ready within the synchronous timeout (600 s by default). The job keeps running; poll it with GET /v2/requests/{id}/status.",
            "content": [
                "application/json": [
                    "schema": ["$ref": "#/components/schemas/Error"],
                    "example": [
                        "error": "the video was not ready within 600 s; request 3f1c2b9e-8d4a-4c1e-9b7a-2f6d5e4c3b2a is still processing, poll GET /v2/requests/3f1c2b9e-8d4a-4c1e-9b7a-2f6d5e4c3b2a/status",
                    ],
                ],
            ],
        ],
        "LeaseLost": errorResponse("The lease is not (or no longer) this worker's: the request was cancelled, or its lease expired and another worker took it. Stop working on it."),
    ]

    static let securitySchemes: JSONValue = [
        "ApiKeyAuth": [
            "type": "apiKey",
            "in": "header",
            "name": "x-api-key",
            "description": "An API key issued by the server operator.",
        ],
        "WorkerToken": [
            "type": "http",
            "scheme": "bearer",
            "description": "A worker token (`zoetrope keys create --worker`), sent as `Authorization: Bearer <token>` (or `x-api-key`). Worker tokens may use only /v1/worker/…; other keys may not use it.",
        ],
    ]
}
