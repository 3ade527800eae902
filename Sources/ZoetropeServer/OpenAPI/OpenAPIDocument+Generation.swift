import ZoetropeCore

/// The OpenAPI operations tagged `generation`.
extension OpenAPIDocument {
    /// `GET /v2/requests/{id}/status`.
    static let getRequestStatus: JSONValue = [
        "operationId": "getRequestStatus",
        "tags": ["generation"],
        "summary": "Where a request stands",
        "security": [["ApiKeyAuth": []]],
        "parameters": [
            [
                "name": "id",
                "in": "path",
                "required": true,
                "description": "The request_id returned by POST /v2/{model}.",
                "schema": ["type": "string"],
                "example": "3f1c2b9e-8d4a-4c1e-9b7a-2f6d5e4c3b2a",
            ],
        ],
        "responses": [
            "200": [
                "description": "The request is QUEUED, PROCESSING or COMPLETED.",
                "content": ["application/json": ["schema": ["$ref": "#/components/schemas/RequestStatus"]]],
            ],
            "401": ["$ref": "#/components/responses/Unauthorized"],
            "404": ["$ref": "#/components/responses/NotFound"],
            "422": [
                "description": "The request FAILED; the body holds the status fields plus error.",
                "content": [
                    "application/json": [
                        "schema": ["allOf": [["$ref": "#/components/schemas/RequestStatus"], ["required": ["error"]]]],
                        "example": [
                            "request_id": "3f1c2b9e-8d4a-4c1e-9b7a-2f6d5e4c3b2a",
                            "status": "FAILED",
                            "progress": 0,
                            "queue_position": 0,
                            "created_at": "2025-01-01T12:00:00.000Z",
                            "updated_at": "2025-01-01T12:00:02.100Z",
                            "error": "start_image_url could not be decoded as an image",
                        ],
                    ],
                ],
            ],
            "500": ["$ref": "#/components/responses/InternalError"],
        ],
    ]

    /// `GET /v2/requests/{id}`.
    static let getRequestResult: JSONValue = [
        "operationId": "getRequestResult",
        "tags": ["generation"],
        "summary": "A request's result",
        "description": "While the job is not done this answers 200 with the current status and no output; once COMPLETED, output holds the signed MP4 URL.",
        "security": [["ApiKeyAuth": []]],
        "parameters": [
            [
                "name": "id",
                "in": "path",
                "required": true,
                "description": "The request_id returned by POST /v2/{model}.",
                "schema": ["type": "string"],
                "example": "3f1c2b9e-8d4a-4c1e-9b7a-2f6d5e4c3b2a",
            ],
        ],
        "responses": [
            "200": [
                "description": "The request and, when COMPLETED, its output URL.",
                "content": ["application/json": ["schema": ["$ref": "#/components/schemas/RequestResult"]]],
            ],
            "401": ["$ref": "#/components/responses/Unauthorized"],
            "404": ["$ref": "#/components/responses/NotFound"],
            "422": [
                "description": "The request FAILED; the body holds the result fields plus error (no output).",
                "content": [
                    "application/json": [
                        "schema": ["allOf": [["$ref": "#/components/schemas/RequestResult"], ["required": ["error"]]]],
                    ],
                ],
            ],
            "500": ["$ref": "#/components/responses/InternalError"],
        ],
    ]

    /// `POST /v2/requests/{id}/cancel`.
    static let cancelRequest: JSONValue = [
        "operationId": "cancelRequest",
        "tags": ["generation"],
        "summary": "Cancel a queued or running request",
        "description": "A QUEUED request never starts; a PROCESSING one stops within about half a second (the engine is stopped between frames and ffmpeg is terminated) and keeps no file.",
        "security": [["ApiKeyAuth": []]],
        "parameters": [["name": "id", "in": "path", "required": true, "schema": ["type": "string"]]],
        "responses": [
            "200": [
                "description": "The status body, status CANCELLED.",
                "content": ["application/json": ["schema": ["$ref": "#/components/schemas/RequestStatus"]]],
            ],
            "401": ["$ref": "#/components/responses/Unauthorized"],
            "404": errorResponse("Unknown, expired, or another key's request."),
            "409": errorResponse("The request has already finished (COMPLETED, FAILED or CANCELLED)."),
        ],
    ]

    /// `GET /v2/requests/{id}/stream`.
    static let streamRequest: JSONValue = [
        "operationId": "streamRequest",
        "tags": ["generation"],
        "summary": "Status as Server-Sent Events",
        "description": "`event: status` with the status body (as GET .../status) on every change of state, queue position or progress; then `event: result` with the result body (as GET /v2/requests/{id}); then the stream ends. Comment lines keep an idle stream open.",
        "security": [["ApiKeyAuth": []]],
        "parameters": [["name": "id", "in": "path", "required": true, "schema": ["type": "string"]]],
        "responses": [
            "200": [
                "description": "Server-Sent Events: `status` (the status body) on every change, then `result` (the result body), or `error`; each event's data is JSON.",
                "content": [
                    "text/event-stream": [
                        "schema": [
                            "description": "One event of the stream.",
                            "type": "object", "required": ["event", "data"],
                            "properties": [
                                "event": ["type": "string", "enum": ["status", "result", "error"]],
                                "data": ["type": "string", "contentMediaType": "application/json"],
                            ],
                        ],
                    ],
                ],
            ],
            "401": ["$ref": "#/components/responses/Unauthorized"],
            "404": errorResponse("Unknown, expired, or another key's request."),
        ],
    ]

    /// `GET /v1/requests`.
    static let listRequests: JSONValue = [
        "operationId": "listRequests",
        "tags": ["generation"],
        "summary": "The caller's request history",
        "security": [["ApiKeyAuth": []]],
        "parameters": [
            [
                "name": "status",
                "in": "query",
                "required": false,
                "description": "Only requests in this state (upper or lower case).",
                "schema": ["type": "string", "enum": .array(HistoryQuery.statusValues.map { .string($0) })],
            ],
            [
                "name": "model",
                "in": "query",
                "required": false,
                "description": "A model slug",
                "schema": ["type": "string"],
            ],
            [
                "name": "from",
                "in": "query",
                "required": false,
                "description": "Submitted at or after: an RFC 3339 time or Unix seconds.",
                "schema": HistoryQuery.timeSchema,
            ],
            [
                "name": "to",
                "in": "query",
                "required": false,
                "description": "Submitted before: an RFC 3339 time or Unix seconds.",
                "schema": HistoryQuery.timeSchema,
            ],
            [
                "name": "page",
                "in": "query",
                "required": false,
                "description": "1-based",
                "schema": ["type": "integer", "minimum": 1, "maximum": .number(Double(HistoryQuery.pages.upperBound)), "default": 1],
            ],
            [
                "name": "per_page",
                "in": "query",
                "required": false,
                "description": "Requests a page.",
                "schema": [
                    "type": "integer", "minimum": .number(Double(HistoryQuery.perPageRange.lowerBound)),
                    "maximum": .number(Double(HistoryQuery.perPageRange.upperBound)), "default": 20,
                ],
            ],
        ],
        "responses": [
            "200": [
                "description": "Newest first.",
                "content": [
                    "application/json": [
                        "schema": [
                            "type": "object",
                            "required": ["requests", "page", "per_page", "total"],
                            "properties": [
                                "requests": [
                                    "type": "array",
                                    "items": [
                                        "type": "object",
                                        "properties": [
                                            "request_id": ["type": "string"],
                                            "model": ["type": "string"],
                                            "status": ["$ref": "#/components/schemas/JobStatus"],
                                            "created_at": ["type": "string", "format": "date-time"],
                                            "completed_at": ["type": ["string", "null"], "format": "date-time"],
                                            "latency": ["type": ["number", "null"]],
                                            "cost": ["type": "number"],
                                            "inputs": [
                                                "type": "object",
                                                "description": "The parameters sent; uploaded files appear as \"(uploaded data)\".",
                                            ],
                                            "output": [:],
                                            "error": ["type": "string"],
                                        ],
                                    ],
                                ],
                                "page": ["type": "integer"],
                                "per_page": ["type": "integer"],
                                "total": ["type": "integer"],
                            ],
                        ],
                    ],
                ],
            ],
            "400": errorResponse("A filter or page parameter is invalid."),
            "401": ["$ref": "#/components/responses/Unauthorized"],
        ],
    ]

    /// `GET /v2/requests/{id}/webhooks`.
    static let getWebhookDeliveries: JSONValue = [
        "operationId": "getWebhookDeliveries",
        "tags": ["generation"],
        "summary": "The request's webhook delivery log",
        "security": [["ApiKeyAuth": []]],
        "parameters": [["name": "id", "in": "path", "required": true, "schema": ["type": "string"]]],
        "responses": [
            "200": [
                "description": "Deliveries with every attempt.",
                "content": [
                    "application/json": [
                        "schema": [
                            "type": "object",
                            "properties": [
                                "deliveries": [
                                    "type": "array",
                                    "items": [
                                        "type": "object",
                                        "properties": [
                                            "url": ["type": "string"],
                                            "state": ["type": "string", "enum": ["pending", "delivered", "failed"]],
                                            "next_attempt_at": ["type": ["string", "null"], "format": "date-time"],
                                            "attempts": [
                                                "type": "array",
                                                "items": [
                                                    "type": "object",
                                                    "properties": [
                                                        "attempt": ["type": "integer"],
                                                        "at": ["type": "string", "format": "date-time"],
                                                        "status_code": ["type": ["integer", "null"]],
                                                        "error": ["type": ["string", "null"]],
                                                    ],
                                                ],
                                            ],
                                        ],
                                    ],
                                ],
                            ],
                        ],
                    ],
                ],
            ],
            "401": ["$ref": "#/components/responses/Unauthorized"],
            "404": errorResponse("Unknown, expired, or another key's request."),
        ],
    ]

}
