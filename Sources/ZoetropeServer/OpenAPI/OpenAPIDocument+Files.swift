import ZoetropeCore

/// The OpenAPI operations tagged `files`.
extension OpenAPIDocument {
    /// `GET /files/{key}`.
    static let getFile: JSONValue = [
        "operationId": "getFile",
        "tags": ["files"],
        "summary": "Download a finished video by its signed link",
        "description": "Public: no API key. Use the output URL from GET /v2/requests/{id} as is; it is valid until the result expires.",
        "security": [],
        "parameters": [
            [
                "name": "key",
                "in": "path",
                "required": true,
                "description": "The file key.",
                "schema": ["type": "string"],
                "example": "3f1c2b9e-8d4a-4c1e-9b7a-2f6d5e4c3b2a-1.mp4",
            ],
            [
                "name": "expires",
                "in": "query",
                "required": true,
                "description": "Expiry of the link, Unix time in seconds.",
                "schema": ["type": "integer"],
            ],
            [
                "name": "signature",
                "in": "query",
                "required": true,
                "description": "HMAC-SHA256 signature of the path and expiry, hex.",
                "schema": ["type": "string"],
            ],
        ],
        "responses": [
            "200": [
                "description": "The MP4.",
                "headers": [
                    "Cache-Control": stringHeader("private, max-age = seconds until the link expires."),
                ],
                "content": ["video/mp4": ["schema": ["type": "string", "contentMediaType": "video/mp4"]]],
            ],
            "403": [
                "description": "The link is unsigned, its signature is invalid (tampered), or it has expired.",
                "content": [
                    "application/json": [
                        "schema": ["$ref": "#/components/schemas/Error"],
                        "example": ["error": "this link has expired"],
                    ],
                ],
            ],
            "404": [
                "description": "The link is valid but the result has expired or was deleted.",
                "content": [
                    "application/json": [
                        "schema": ["$ref": "#/components/schemas/Error"],
                        "example": ["error": "file not found; the result has expired or was deleted"],
                    ],
                ],
            ],
            "500": ["$ref": "#/components/responses/InternalError"],
        ],
    ]

}
