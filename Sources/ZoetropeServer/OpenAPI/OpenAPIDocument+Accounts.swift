import ZoetropeCore

/// The OpenAPI operations tagged `accounts`.
extension OpenAPIDocument {
    /// `GET /v1/get-user-credits`.
    static let getUserCredits: JSONValue = [
        "operationId": "getUserCredits",
        "tags": ["accounts"],
        "summary": "The key's credit balance",
        "security": [["ApiKeyAuth": []]],
        "responses": [
            "200": [
                "description": "credits is null when the key is not metered.",
                "content": [
                    "application/json": [
                        "schema": [
                            "type": "object",
                            "properties": ["credits": ["type": ["number", "null"]], "metered": ["type": "boolean"]],
                        ],
                    ],
                ],
            ],
            "401": ["$ref": "#/components/responses/Unauthorized"],
        ],
    ]

    /// `GET /v1/webhooks/secret`.
    static let getWebhookSecret: JSONValue = [
        "operationId": "getWebhookSecret",
        "tags": ["accounts"],
        "summary": "The key's webhook signing secret",
        "description": "Webhooks carry X-Zoetrope-Timestamp and X-Zoetrope-Signature: v1=<hex HMAC-SHA256(secret, \"<timestamp>.<body>\")>.",
        "security": [["ApiKeyAuth": []]],
        "responses": [
            "200": [
                "description": "The secret.",
                "content": [
                    "application/json": ["schema": ["type": "object", "properties": ["secret": ["type": "string"]]]],
                ],
            ],
            "401": ["$ref": "#/components/responses/Unauthorized"],
        ],
    ]

}
