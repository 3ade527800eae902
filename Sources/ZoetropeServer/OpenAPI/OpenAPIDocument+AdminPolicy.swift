import ZoetropeCore

/// The OpenAPI operations on the content policy, tagged `admin`.
extension OpenAPIDocument {
    /// `GET /v1/admin/policy/events`.
    static let adminPolicyEvents: JSONValue = [
        "operationId": "adminPolicyEvents",
        "tags": ["admin"],
        "summary": "Recent content policy blocks and flags, newest first (admin)",
        "security": [["ApiKeyAuth": []]],
        "parameters": [
            [
                "name": "limit", "in": "query", "required": false,
                "description": "How many events to list.",
                "schema": [
                    "type": "integer", "minimum": .number(Double(AdminPolicyController.limits.lowerBound)),
                    "maximum": .number(Double(AdminPolicyController.limits.upperBound)),
                    "default": .number(Double(AdminPolicyController.defaultLimit)),
                ],
            ],
        ],
        "responses": [
            "200": [
                "description": "Blocks and flags: category, check and field, never the matched words.",
                "content": [
                    "application/json": [
                        "schema": [
                            "type": "object", "required": ["events"],
                            "properties": [
                                "events": [
                                    "type": "array",
                                    "items": [
                                        "type": "object",
                                        "required": ["request_id", "api_key_id", "model", "category", "action", "source", "field", "created_at"],
                                        "properties": [
                                            "request_id": ["type": "string"], "api_key_id": ["type": "string"],
                                            "model": ["type": "string"], "category": ["type": "string"],
                                            "action": ["type": "string", "enum": ["block", "flag"]],
                                            "source": ["type": "string", "enum": ["terms", "image", "moderation"]],
                                            "field": ["type": "string"],
                                            "created_at": ["type": "string", "format": "date-time"],
                                        ],
                                    ],
                                ],
                            ],
                        ],
                    ],
                ],
            ],
            "400": errorResponse("A limit out of range."),
            "401": ["$ref": "#/components/responses/Unauthorized"],
            "403": errorResponse("Not an admin key."),
        ],
    ]

    /// `GET /v1/admin/policy/images`.
    static let adminPolicyImages: JSONValue = [
        "operationId": "adminPolicyImages",
        "tags": ["admin"],
        "summary": "The content policy's image hash list (admin); `zoetrope policy add-image` adds to it",
        "security": [["ApiKeyAuth": []]],
        "responses": [
            "200": [
                "description": "Listed images, oldest first.",
                "content": [
                    "application/json": [
                        "schema": [
                            "type": "object", "required": ["images"],
                            "properties": [
                                "images": [
                                    "type": "array",
                                    "items": [
                                        "type": "object", "required": ["id", "hash", "category", "label", "added_at"],
                                        "properties": [
                                            "id": ["type": "string"],
                                            "hash": [
                                                "type": "string", "pattern": "^[0-9a-f]{16}( [0-9a-f]{16})*$",
                                                "description": "Perceptual hashes: the whole picture, then its light crops.",
                                            ],
                                            "category": ["type": "string"], "label": ["type": "string"],
                                            "added_at": ["type": "string", "format": "date-time"],
                                        ],
                                    ],
                                ],
                            ],
                        ],
                    ],
                ],
            ],
            "401": ["$ref": "#/components/responses/Unauthorized"],
            "403": errorResponse("Not an admin key."),
        ],
    ]
}
