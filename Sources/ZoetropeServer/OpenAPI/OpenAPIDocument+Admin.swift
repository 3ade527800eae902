import ZoetropeCore

/// The OpenAPI operations tagged `admin`.
extension OpenAPIDocument {
    /// `GET /v1/admin/keys`.
    static let adminListKeys: JSONValue = [
        "operationId": "adminListKeys",
        "tags": ["admin"],
        "summary": "List keys (admin)",
        "security": [["ApiKeyAuth": []]],
        "responses": [
            "200": [
                "description": "Keys, never their secrets.",
                "content": [
                    "application/json": [
                        "schema": [
                            "type": "object",
                            "properties": ["keys": ["type": "array", "items": ["$ref": "#/components/schemas/APIKey"]]],
                        ],
                    ],
                ],
            ],
            "401": ["$ref": "#/components/responses/Unauthorized"],
            "403": errorResponse("Not an admin key."),
        ],
    ]

    /// `POST /v1/admin/keys`.
    static func adminCreateKey(models: [String]) -> JSONValue {
        [
        "operationId": "adminCreateKey",
        "tags": ["admin"],
        "summary": "Create a key (admin)",
        "security": [["ApiKeyAuth": []]],
        "requestBody": [
            "required": true,
            "content": [
                "application/json": [
                    "schema": AdminParameters.createKey(models: models).jsonSchema,
                ],
            ],
        ],
        "responses": [
            "200": [
                "description": "The key, with its secret (shown once).",
                "content": [
                    "application/json": [
                        "schema": [
                            "allOf": [
                                ["$ref": "#/components/schemas/APIKey"],
                                ["type": "object", "properties": ["secret": ["type": "string"]]],
                            ],
                        ],
                    ],
                ],
            ],
            "400": errorResponse("Invalid field."),
            "401": ["$ref": "#/components/responses/Unauthorized"],
            "403": errorResponse("Not an admin key."),
            "415": ["$ref": "#/components/responses/UnsupportedMediaType"],
        ],
    ]
    }

    /// `POST /v1/admin/keys/{id}/revoke`.
    static let adminRevokeKey: JSONValue = [
        "operationId": "adminRevokeKey",
        "tags": ["admin"],
        "summary": "Revoke a key (admin); refused at its next request",
        "security": [["ApiKeyAuth": []]],
        "parameters": [["name": "id", "in": "path", "required": true, "schema": ["type": "string"]]],
        "responses": [
            "200": [
                "description": "The key.",
                "content": ["application/json": ["schema": ["$ref": "#/components/schemas/APIKey"]]],
            ],
            "401": ["$ref": "#/components/responses/Unauthorized"],
            "403": errorResponse("Not an admin key."),
            "404": errorResponse("No such key."),
        ],
    ]

    /// `POST /v1/admin/keys/{id}/credits`.
    static let adminChangeCredits: JSONValue = [
        "operationId": "adminChangeCredits",
        "tags": ["admin"],
        "summary": "Add to or set a key's credits (admin)",
        "security": [["ApiKeyAuth": []]],
        "parameters": [["name": "id", "in": "path", "required": true, "schema": ["type": "string"]]],
        "requestBody": [
            "required": true,
            "content": [
                "application/json": [
                    "schema": AdminController.creditsChangeSchema,
                ],
            ],
        ],
        "responses": [
            "200": [
                "description": "The key.",
                "content": ["application/json": ["schema": ["$ref": "#/components/schemas/APIKey"]]],
            ],
            "400": errorResponse("Invalid amount."),
            "401": ["$ref": "#/components/responses/Unauthorized"],
            "403": errorResponse("Not an admin key."),
            "415": ["$ref": "#/components/responses/UnsupportedMediaType"],
            "404": errorResponse("No such key."),
        ],
    ]

}
