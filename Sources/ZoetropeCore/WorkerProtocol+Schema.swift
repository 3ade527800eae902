import Foundation

// JSON Schemas (as OpenAPI 3.1 uses them) of the worker protocol's messages, beside their types.
// Requests a worker sends are exact (`additionalProperties: false`); answers it reads allow
// fields a later gateway may add.

extension WorkerProtocol.LeaseRequest {
    /// `POST /v1/worker/lease`'s body.
    public static let jsonSchema: JSONValue = [
        "type": "object",
        "description": "A long-poll for one job of the models a worker renders.",
        "required": ["protocol_version", "worker_id", "models"],
        "additionalProperties": false,
        "properties": [
            "protocol_version": [
                "type": "integer", "const": .number(Double(WorkerProtocol.version)),
                "description": "The worker protocol version the worker speaks; a lease without it or with another value is refused with 400 naming the version to speak.",
            ],
            "worker_id": WorkerProtocol.workerIDSchema,
            "models": [
                "type": "array", "minItems": 1,
                "items": ["type": "string", "enum": .array(ModelCatalog.slugs.map { .string($0) })],
                "description": "Model slugs this worker renders.",
            ],
            "wait_seconds": [
                "type": ["number", "null"], "minimum": 0, "maximum": 30,
                "description": "Hold the request open this long when no job waits (long poll); default (absent or null) 0.",
            ],
        ],
    ]
}

extension WorkerProtocol.Upload {
    /// Where a video job's MP4 goes.
    public static let jsonSchema: JSONValue = [
        "type": "object",
        "required": ["url", "method", "key"],
        "additionalProperties": true,
        "properties": [
            "url": [
                "type": "string",
                "description": "A signed link (the gateway's /files/{key}, or a presigned S3 PUT): send the MP4's bytes with a plain PUT and no API key.",
            ],
            "method": ["type": "string", "description": "The HTTP method to send the bytes with (PUT)."],
            "key": ["type": "string", "description": "The output key: send it back as the completion's output_key."],
        ],
    ]
}

extension WorkerProtocol.Voice {
    /// A voice profile on the wire.
    public static let jsonSchema: JSONValue = [
        "type": "object",
        "description": "A voice profile: measured from a sample, with the espeak-ng settings that speak in its place. In an assignment every field is present; in a completion the gateway sets id, api_key_id and created_at.",
        "required": ["name", "pitch_hz", "syllables_per_second", "espeak_variant", "espeak_pitch", "words_per_minute"],
        "additionalProperties": false,
        "properties": [
            "id": ["type": "string", "description": "The voice id (as in voice_ids)."],
            "name": ["type": "string"],
            "api_key_id": ["type": "string", "description": "The API key the voice belongs to."],
            "pitch_hz": ["type": "number", "description": "Median fundamental frequency of the sample's voiced speech, Hz."],
            "syllables_per_second": ["type": "number", "description": "Speaking rate of the sample."],
            "espeak_variant": ["type": "string", "description": "espeak-ng voice variant (m3, f2, ...)."],
            "espeak_pitch": ["type": "integer", "minimum": 0, "maximum": 99, "description": "espeak-ng pitch (-p)."],
            "words_per_minute": [
                "type": "integer", "minimum": 80, "maximum": 450, "description": "espeak-ng speed (-s), in its range.",
            ],
            "created_at": ["type": "number", "description": "Unix time, seconds."],
        ],
    ]
}

extension WorkerProtocol.Assignment {
    /// `POST /v1/worker/lease`'s answer (200): one leased job.
    public static let jsonSchema: JSONValue = [
        "type": "object",
        "description": "One leased job, validated, in the public parameter names, with signed links to the inputs the gateway stores.",
        "required": [
            "protocol_version", "id", "model", "attempt", "lease_seconds", "lease_expires_at", "request", "inputs", "voices",
        ],
        "additionalProperties": true,
        "properties": [
            "protocol_version": ["type": "integer", "const": .number(Double(WorkerProtocol.version))],
            "id": ["type": "string", "description": "The request id."],
            "model": ["type": "string", "description": "The model slug the job was submitted to."],
            "attempt": [
                "type": "integer", "minimum": 1,
                "description": "1 on the first try; more when an earlier worker's lease expired.",
            ],
            "lease_seconds": [
                "type": "number",
                "description": "Heartbeat well within this; a lease not extended in time goes back to the queue.",
            ],
            "lease_expires_at": ["type": "number", "description": "Unix time, seconds."],
            "request": [
                "type": "object",
                "description": "The validated request in the parameter names a client sends to the model (its request schema), every default filled in: prompt and end_image_url are null when absent, duration and multi_prompt[].duration are integer seconds, multi_prompt, elements and voice_ids are arrays (maybe empty). A voice model's request is {voice_name, voice_url}. Every input is a URL: a gateway link when its field path is in inputs, the client's own URL otherwise (fetch it behind a private-address guard).",
            ],
            "inputs": [
                "type": "object",
                "additionalProperties": ["type": "string"],
                "description": "Each field path of request holding a gateway link (start_image_url, end_image_url, elements[0].frontal_image_url, elements[0].reference_image_urls[1], voice_url) to that signed GET link; fetch these with a plain GET and no API key.",
            ],
            "voices": [
                "type": "array", "items": WorkerProtocol.Voice.jsonSchema,
                "description": "The voice profiles of request.voice_ids, in the same order; empty for a voice job.",
            ],
            "upload": WorkerProtocol.Upload.jsonSchema,
        ],
    ]
}

extension WorkerProtocol.Heartbeat {
    /// `POST /v1/worker/jobs/{id}/heartbeat`'s body.
    public static let jsonSchema: JSONValue = [
        "type": "object",
        "required": ["worker_id", "progress"],
        "additionalProperties": false,
        "properties": [
            "worker_id": WorkerProtocol.workerIDSchema,
            "progress": ["type": "number", "minimum": 0, "maximum": 1, "description": "Progress of the job, 0 to 1."],
        ],
    ]
}

extension WorkerProtocol.LeaseExtension {
    /// `POST /v1/worker/jobs/{id}/heartbeat`'s answer (200).
    public static let jsonSchema: JSONValue = [
        "type": "object",
        "required": ["lease_expires_at", "lease_seconds"],
        "additionalProperties": true,
        "properties": [
            "lease_expires_at": ["type": "number", "description": "Unix time, seconds: the lease's new expiry."],
            "lease_seconds": ["type": "number", "description": "The lease's length; heartbeat well within it."],
        ],
    ]
}

extension WorkerProtocol.Completion {
    /// `POST /v1/worker/jobs/{id}/complete`'s body.
    public static let jsonSchema: JSONValue = [
        "type": "object",
        "required": ["worker_id"],
        "additionalProperties": false,
        "properties": [
            "worker_id": WorkerProtocol.workerIDSchema,
            "output_key": [
                "type": "string", "description": "For video models: the lease's upload key, after the PUT succeeded.",
            ],
            "voice": WorkerProtocol.Voice.jsonSchema,
            "stages": [
                "type": "object", "maxProperties": .number(Double(StageTimes.maximumCount)),
                "propertyNames": ["pattern": .string("^[a-z0-9_]{1,\(StageTimes.longestName)}$")],
                "additionalProperties": ["type": "number", "minimum": 0, "maximum": .number(StageTimes.maximumSeconds)],
                "description": "Optional, for video models: where the render's time went, seconds by stage (e.g. fetch, decode, render, encode, upload); the client sees them in the result's metrics.stages. Entries that do not fit this schema are dropped, never the video.",
            ],
        ],
    ]
}

/// A worker protocol body with its JSON Schema.
public protocol WorkerProtocolMessage {
    static var jsonSchema: JSONValue { get }
}

extension WorkerProtocol.LeaseRequest: WorkerProtocolMessage {}
extension WorkerProtocol.Heartbeat: WorkerProtocolMessage {}
extension WorkerProtocol.Completion: WorkerProtocolMessage {}
extension WorkerProtocol.Failure: WorkerProtocolMessage {}

extension WorkerProtocol {
    /// Stable per render slot of the worker process; leases are bound to the token and this id.
    public static let workerIDSchema: JSONValue = [
        "type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,200}$",
        "description": "Stable per render slot of the worker process (letters, digits, - _ . :); leases are bound to the token and this id.",
    ]
}

extension WorkerProtocol.Failure {
    /// `POST /v1/worker/jobs/{id}/fail`'s body: the reason is required.
    public static let failSchema: JSONValue = [
        "type": "object",
        "required": ["worker_id", "error"],
        "additionalProperties": false,
        "properties": [
            "worker_id": WorkerProtocol.workerIDSchema,
            "error": [
                "type": "string", "minLength": 1,
                "description": "The reason, shown to the client as the request's error (at most 2000 characters are kept).",
            ],
        ],
    ]

    /// `POST /v1/worker/jobs/{id}/fail`'s and `/release`'s body.
    public static let jsonSchema: JSONValue = [
        "type": "object",
        "required": ["worker_id"],
        "additionalProperties": false,
        "properties": [
            "worker_id": WorkerProtocol.workerIDSchema,
            "error": [
                "type": "string",
                "description": "The reason, shown to the client as the request's error (required for /fail, absent for /release).",
            ],
        ],
    ]
}

extension WorkerProtocol.JobState {
    /// The answer (200) to a completion, failure or hand-back.
    public static let jsonSchema: JSONValue = [
        "type": "object",
        "required": ["id", "status"],
        "additionalProperties": true,
        "properties": [
            "id": ["type": "string", "description": "The request id."],
            "status": [
                "type": "string", "enum": .array(JobStatus.allCases.map { .string($0.rawValue) }),
                "description": "The job's status after the call: COMPLETED, FAILED or QUEUED (handed back).",
            ],
        ],
    ]
}
