import ZoetropeCore

/// The OpenAPI operations tagged `models`.
extension OpenAPIDocument {
    /// `GET /v1/models`.
    static let listModels: JSONValue = [
        "operationId": "listModels",
        "tags": ["models"],
        "summary": "List the models this server serves",
        "security": [],
        "responses": [
            "200": [
                "description": "The models, each with the JSON Schema of its parameters.",
                "content": ["application/json": ["schema": ["$ref": "#/components/schemas/ModelList"]]],
            ],
            "500": ["$ref": "#/components/responses/InternalError"],
        ],
    ]

}
