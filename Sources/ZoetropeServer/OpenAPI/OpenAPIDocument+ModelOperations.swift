import ZoetropeCore

/// The OpenAPI operations of each model, from the model registry: `POST /v1/{slug}` (blocking)
/// and `POST /v2/{slug}` (queued), each with that model's own request schema.
extension OpenAPIDocument {
    /// The name of a model's request schema in `components/schemas` (`Kling3ProImage2videoRequest`).
    static func requestSchemaName(_ model: ModelDescriptor) -> String {
        model.slug.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined() + "Request"
    }

    /// The request body of a model's operations.
    static func requestBody(_ model: ModelDescriptor) -> JSONValue {
        [
            "required": true,
            "description": .string("\(model.slug)'s parameters as a JSON object (Content-Type: application/json). Inputs may be http(s) URLs, base64 data: URIs or bare base64, each at most 50 MB. Optional parameters may be null (read as absent)."),
            "content": ["application/json": ["schema": ["$ref": .string("#/components/schemas/\(requestSchemaName(model))")], "examples": examples(model)]],
        ]
    }

    /// Example bodies that the model accepts.
    static func examples(_ model: ModelDescriptor) -> JSONValue {
        let video: JSONValue = [
            "minimal": [
                "summary": "Prompt and start image only",
                "value": [
                    "prompt": "The camera slowly pushes in as the lighthouse beam sweeps across the stormy sea.",
                    "start_image_url": "https://example.com/images/lighthouse.jpg",
                ],
            ],
            "full": [
                "summary": "Start and end image, portrait, 10 s, no audio",
                "value": [
                    "prompt": "A paper boat drifts down a rain-soaked street and into a puddle.",
                    "start_image_url": "https://example.com/images/boat-start.png",
                    "end_image_url": "https://example.com/images/boat-end.png",
                    "aspect_ratio": "9:16",
                    "cfg_scale": 0.7,
                    "duration": "10",
                    "negative_prompt": "blur, distort, and low quality",
                    "generate_audio": false,
                ],
            ],
            "multi_prompt": [
                "summary": "Two shots adding up to 8 s",
                "value": [
                    "start_image_url": "https://example.com/images/cafe.jpg",
                    "multi_prompt": [
                        [
                            "prompt": "Wide shot of the cafe as morning light fills the room.",
                            "duration": "3",
                        ],
                        [
                            "prompt": "Close-up of steam rising from a cup of coffee.",
                            "duration": "5",
                        ],
                    ],
                    "shot_type": "customize",
                ],
            ],
        ]
        let voice: JSONValue = [
            "create_voice": [
                "summary": "kling-create-voice",
                "value": ["voice_name": "Narrator", "voice_url": "https://example.com/audio/narrator.mp3"],
            ],
        ]
        return model.makesVideo ? video : voice
    }

    /// `POST /v1/{slug}`: validate, queue, wait, answer the output.
    static func runSync(_ model: ModelDescriptor) -> JSONValue {
        [
            "operationId": .string("run_\(model.slug)"),
            "tags": ["generation"],
            "summary": .string("Run \(model.slug) and wait for its output"),
            "description": .string("\(model.description) Validates the parameters (as POST /v2/\(model.slug) does), queues the job and blocks until it ends (at most the server's --sync-timeout), then answers the output."),
            "security": [["ApiKeyAuth": []]],
            "requestBody": requestBody(model),
            "responses": .object([
                "200": [
                    "description": model.makesVideo ? "The finished video." : "The voice made: {voice_id, voice_name}.",
                    "headers": [
                        "x-request-id": stringHeader("The request id (usable with the /v2/requests endpoints until it expires)."),
                        "x-generation-time": stringHeader("Seconds spent rendering, with three decimals.", example: "18.734"),
                        "x-cost": stringHeader("Cost of the request (always 0 on a self-hosted server).", example: "0"),
                        "x-last-frame-url": stringHeader("Video models: a signed link to a PNG of the video's last frame (as the result's last_frame_url)."),
                        "x-seed-value": stringHeader(
                            "Video models: the seed the video was made with (send it as `seed` to make the same video again).",
                            example: "1234567890"),
                    ],
                    "content": model.makesVideo
                        ? ["video/mp4": ["schema": ["type": "string", "contentMediaType": "video/mp4"]]]
                        : ["application/json": ["schema": ["$ref": "#/components/schemas/VoiceOutput"]]],
                ],
                "422": [
                    "description": "The job ended FAILED (for example an unreadable input image or a content block).",
                    "headers": ["x-request-id": stringHeader("The request id.")],
                    "content": ["application/json": ["schema": ["$ref": "#/components/schemas/SyncFailure"]]],
                ],
                "504": ["$ref": "#/components/responses/GatewayTimeout"],
            ].merging(submitRefusals) { own, _ in own }),
        ]
    }

    /// `POST /v2/{slug}`: validate, queue, answer with links to poll.
    static func submitAsync(_ model: ModelDescriptor) -> JSONValue {
        [
            "operationId": .string("submit_\(model.slug)"),
            "tags": ["generation"],
            "summary": .string("Queue a \(model.slug) job"),
            "description": .string("\(model.description) Validates the parameters, commits the job and answers at once with links to poll. Status and results are kept for 1 hour after submission (configurable)."),
            "security": [["ApiKeyAuth": []]],
            "parameters": [
                [
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": false,
                    "description": "The same key with the same model and body returns the same request for 24 h; with another body, 409.",
                    "schema": ["type": "string", "minLength": 1, "maxLength": 255],
                ],
                [
                    "name": "webhook",
                    "in": "query",
                    "required": false,
                    "description": "An http(s) URL (a public address) that receives the result body, signed, when the job ends; overrides the key's default. Empty: the key's default.",
                    "schema": ["type": "string", "pattern": .string("^$|\(ParameterType.webURLPattern)")],
                ],
            ],
            "requestBody": requestBody(model),
            "responses": .object([
                "200": [
                    "description": "Accepted and queued.",
                    "content": ["application/json": ["schema": ["$ref": "#/components/schemas/SubmitResponse"]]],
                ],
                "409": errorResponse("The Idempotency-Key was already used with a different body."),
            ].merging(submitRefusals) { own, _ in own }),
        ]
    }

    /// The refusals both submit operations share.
    static let submitRefusals: [String: JSONValue] = [
        "400": ["$ref": "#/components/responses/BadRequest"],
        "401": ["$ref": "#/components/responses/Unauthorized"],
        "403": errorResponse("The key may not use this model or may not submit."),
        "404": ["$ref": "#/components/responses/NotFound"],
        "406": errorResponse("Insufficient credits (\"insufficient credits: need X, have Y\")."),
        "415": ["$ref": "#/components/responses/UnsupportedMediaType"],
        "413": ["$ref": "#/components/responses/PayloadTooLarge"],
        "429": [
            "description": "Rate limited, or too many unfinished requests for this key.",
            "headers": [
                "Retry-After": ["schema": ["type": "integer"]],
                "X-RateLimit-Limit": ["schema": ["type": "integer"]],
                "X-RateLimit-Remaining": ["schema": ["type": "integer"]],
                "X-RateLimit-Reset": ["schema": ["type": "integer"]],
            ],
            "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]],
        ],
        "500": ["$ref": "#/components/responses/InternalError"],
        "503": [
            "description": "The server holds as many request bodies in memory as it may (--body-memory); retry after Retry-After seconds. The connection is closed.",
            "headers": ["Retry-After": ["schema": ["type": "integer"]]],
            "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]],
        ],
    ]
}
