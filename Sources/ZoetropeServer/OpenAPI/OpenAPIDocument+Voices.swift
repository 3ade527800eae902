import ZoetropeCore

/// The OpenAPI operations tagged `voices`.
extension OpenAPIDocument {
    /// `GET /v1/voices`.
    static let listVoices: JSONValue = [
        "operationId": "listVoices",
        "tags": ["voices"],
        "summary": "The caller's voices",
        "security": [["ApiKeyAuth": []]],
        "responses": [
            "200": [
                "description": "Voices made with this API key, oldest first.",
                "content": ["application/json": ["schema": ["$ref": "#/components/schemas/VoiceList"]]],
            ],
            "401": ["$ref": "#/components/responses/Unauthorized"],
        ],
    ]

    /// `GET /v1/voices/{id}`.
    static let getVoice: JSONValue = [
        "operationId": "getVoice",
        "tags": ["voices"],
        "summary": "One of the caller's voices",
        "security": [["ApiKeyAuth": []]],
        "parameters": [["name": "id", "in": "path", "required": true, "schema": ["type": "string"]]],
        "responses": [
            "200": [
                "description": "The voice.",
                "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Voice"]]],
            ],
            "401": ["$ref": "#/components/responses/Unauthorized"],
            "404": errorResponse("Unknown, deleted, or another key's voice."),
        ],
    ]

    /// `DELETE /v1/voices/{id}`.
    static let deleteVoice: JSONValue = [
        "operationId": "deleteVoice",
        "tags": ["voices"],
        "summary": "Delete one of the caller's voices",
        "security": [["ApiKeyAuth": []]],
        "parameters": [["name": "id", "in": "path", "required": true, "schema": ["type": "string"]]],
        "responses": [
            "200": [
                "description": "Deleted.",
                "content": [
                    "application/json": [
                        "schema": [
                            "type": "object",
                            "properties": ["voice_id": ["type": "string"], "deleted": ["type": "boolean"]],
                        ],
                    ],
                ],
            ],
            "401": ["$ref": "#/components/responses/Unauthorized"],
            "404": errorResponse("Unknown, deleted, or another key's voice."),
        ],
    ]

}
