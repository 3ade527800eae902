import ZoetropeCore

/// The OpenAPI operations tagged `system`.
extension OpenAPIDocument {
    /// `GET /healthz`.
    static let health: JSONValue = [
        "operationId": "health",
        "tags": ["system"],
        "summary": "Liveness check",
        "security": [],
        "responses": [
            "200": [
                "description": "The server is up.",
                "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Health"]]],
            ],
            "500": ["$ref": "#/components/responses/InternalError"],
        ],
    ]

    /// `GET /openapi.json`.
    static let openapi: JSONValue = [
        "operationId": "openapi",
        "tags": ["system"],
        "summary": "This OpenAPI document",
        "security": [],
        "responses": [
            "200": [
                "description": "The OpenAPI 3.1 description of the API.",
                "content": ["application/json": ["schema": ["type": "object"]]],
            ],
            "500": ["$ref": "#/components/responses/InternalError"],
        ],
    ]

    /// `GET /readyz`.
    static let ready: JSONValue = [
        "operationId": "ready",
        "tags": ["system"],
        "summary": "Readiness check",
        "description": "200 when the store and the blob store answer; 503 naming the one that does not. With upstreams configured, `upstreams` tells how each has been answering (its trouble does not make the server unready).",
        "security": [],
        "responses": [
            "200": [
                "description": "Ready.",
                "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Readiness"]]],
            ],
            "503": [
                "description": "Not ready.",
                "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Readiness"]]],
            ],
        ],
    ]

    /// `GET /metrics`.
    static let metrics: JSONValue = [
        "operationId": "metrics",
        "tags": ["system"],
        "summary": "Prometheus metrics",
        "description": "zoetrope_jobs{model,status}, zoetrope_queue_depth{model}, zoetrope_workers (cluster-wide, from the store), zoetrope_lease_expiries_total, zoetrope_job_queue_wait_seconds, zoetrope_job_run_seconds, zoetrope_jobs_finished_total, zoetrope_upstream_failures_total{upstream,reason}, zoetrope_upstream_up{upstream} (this process), and Hummingbird's HTTP request counters and duration histograms.",
        "security": [],
        "responses": [
            "200": [
                "description": "Text exposition format 0.0.4.",
                "content": ["text/plain": ["schema": ["type": "string"]]],
            ],
        ],
    ]


    /// `GET /`.
    static let playground: JSONValue = [
        "operationId": "playground",
        "tags": ["system"],
        "summary": "The web playground (HTML)",
        "responses": ["200": ["description": "The page.", "content": ["text/html": ["schema": ["type": "string"]]]]],
    ]

    /// `GET /playground/{file}`.
    static let playgroundFile: JSONValue = [
        "operationId": "playgroundFile",
        "tags": ["system"],
        "summary": "A file of the web playground",
        "parameters": [
            [
                "name": "file", "in": "path", "required": true,
                "schema": ["type": "string", "enum": .array(PlaygroundController.files.keys.sorted().map { .string($0) })],
            ],
        ],
        "responses": [
            "200": [
                "description": "The file.",
                "content": [
                    "text/html": ["schema": ["type": "string"]], "text/css": ["schema": ["type": "string"]],
                    "text/javascript": ["schema": ["type": "string"]],
                ],
            ],
            "404": ["$ref": "#/components/responses/NotFound"],
        ],
    ]
}
