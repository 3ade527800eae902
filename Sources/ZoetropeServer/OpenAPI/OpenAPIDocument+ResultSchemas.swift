import ZoetropeCore

/// The OpenAPI document's schemas of a request's outcome: the result body, its metrics and render
/// plan, and the v1 call's failure body.
extension OpenAPIDocument {
    static let syncFailureSchema: JSONValue = [
        "type": "object",
        "required": ["request_id", "status", "error"],
        "properties": [
            "request_id": ["type": "string", "format": "uuid", "description": "The request id (a lowercase UUID)."],
            "status": ["type": "string", "const": "FAILED"],
            "error": [
                "type": "string",
                "description": "Why the job failed (for example a content block or an unreadable image).",
            ],
        ],
        "example": [
            "request_id": "3f1c2b9e-8d4a-4c1e-9b7a-2f6d5e4c3b2a",
            "status": "FAILED",
            "error": "start_image_url could not be decoded as an image",
        ],
    ]

    static let metricsSchema: JSONValue = [
        "type": "object",
        "required": ["retry_count"],
        "properties": [
            "queue_time": [
                "type": "number",
                "description": "Seconds waiting in the queue before the (last) start; present once started.",
            ],
            "inference_time": ["type": "number", "description": "Seconds from start to completion; present once finished."],
            "total_time": [
                "type": "number",
                "description": "Seconds from submission to completion; present once finished.",
            ],
            "retry_count": [
                "type": "integer",
                "minimum": 0,
                "description": "How many times the job was restarted after an interruption.",
            ],
            "cost": [
                "type": "number",
                "description": "Cost of the request; present when COMPLETED (always 0 on a self-hosted server).",
            ],
            "remaining_credits": ["type": "number", "description": "The key's balance, for metered keys."],
            "seed": [
                "type": "integer", "minimum": 0, "maximum": .number(Double(UInt32.max)),
                "description": "The seed the video is made with (video models): the request's, or the one chosen for it. Send it as `seed` to make the same video again.",
            ],
            "upstream": [
                "type": "object",
                "description": "For a request run on an upstream (a hosted API the operator routes the model to): the upstream's name and request id there, and, once it finished, the times and cost the upstream reported, beside this gateway's own.",
                "required": ["name", "request_id"],
                "properties": [
                    "name": ["type": "string", "description": "The operator's name for the upstream."],
                    "request_id": ["type": "string", "description": "The request's id on the upstream."],
                    "queue_time": ["type": "number"],
                    "inference_time": ["type": "number"],
                    "total_time": ["type": "number"],
                    "cost": ["type": "number", "description": "What the upstream charged for the request, in its own units."],
                ],
            ],
            "stages": [
                "type": "object",
                "description": "When COMPLETED by a renderer that reports them: where the render's time went, seconds by stage (the built-in engine's: fetch, decode, audio, render, encode, upload; `encode` is the time the renderer waited for the encoder beside it).",
                "additionalProperties": ["type": "number", "minimum": 0],
            ],
        ],
    ]

    static let requestResultSchema: JSONValue = [
        "type": "object",
        "required": ["request_id", "model", "status", "progress", "metrics", "created_at", "completed_at"],
        "properties": [
            "request_id": ["type": "string", "format": "uuid", "description": "The request id (a lowercase UUID)."],
            "model": ["type": "string", "description": "The model slug the request was sent to."],
            "status": ["$ref": "#/components/schemas/JobStatus"],
            "progress": [
                "type": "number",
                "minimum": 0,
                "maximum": 1,
                "description": "Fraction done, 0 to 1 (three decimals).",
            ],
            "metrics": ["$ref": "#/components/schemas/Metrics"],
            "created_at": [
                "type": "string",
                "format": "date-time",
                "description": "When the request was submitted. RFC 3339, UTC, with milliseconds.",
            ],
            "completed_at": [
                "type": ["string", "null"],
                "format": "date-time",
                "description": "When the job finished (RFC 3339, UTC); null until then.",
            ],
            "output": [
                "description": "When COMPLETED: for video models the MP4's signed URL (no API key needed); for kling-create-voice the VoiceOutput object.",
                "oneOf": [["type": "string", "format": "uri"], ["$ref": "#/components/schemas/VoiceOutput"]],
            ],
            "last_frame_url": [
                "type": "string", "format": "uri",
                "description": "When a video is COMPLETED: a signed link (no API key needed) to a PNG of its last frame, kept as long as the video; feed it as the next request's start_image_url to chain clips.",
            ],
            "error": ["type": "string", "description": "Only when status is FAILED (served with HTTP 422)."],
            "plan": ["$ref": "#/components/schemas/RenderPlan"],
        ],
        "example": [
            "request_id": "3f1c2b9e-8d4a-4c1e-9b7a-2f6d5e4c3b2a",
            "model": "kling-3-pro-image2video",
            "status": "COMPLETED",
            "progress": 1,
            "metrics": [
                "queue_time": 0.12, "inference_time": 18.734, "total_time": 18.854, "retry_count": 0, "cost": 0,
                "seed": 1_234_567_890,
                "stages": ["fetch": 0.002, "decode": 0.41, "render": 0.702, "encode": 1.43, "upload": 0.21],
            ],
            "created_at": "2025-01-01T12:00:00.000Z",
            "completed_at": "2025-01-01T12:00:18.854Z",
            "output": "http://127.0.0.1:8080/files/3f1c2b9e-8d4a-4c1e-9b7a-2f6d5e4c3b2a-1.mp4?expires=1735736400&signature=9c1e...",
            "plan": [
                "engine": "motion",
                "frames": 120,
                "shots": [
                    [
                        "start_frame": 0,
                        "frames": 120,
                        "moves": ["push_in", "truck_right"],
                        "speed": "slow",
                        "strength": 0.625,
                        "summary": "slow push in and truck right",
                        "source": "start_image_url",
                        "default": true,
                        "motion_blur_frames": 0,
                    ],
                ],
            ],
        ],
    ]

    static let renderPlanSchema: JSONValue = [
        "type": "object",
        "description": "How the built-in motion engine reads the request: one entry per shot (one shot without multi_prompt, one per segment with it), the camera moves it recognised in that shot's prompt, and the transition to end_image_url when one is given.",
        "required": ["engine", "frames", "shots"],
        "properties": [
            "engine": ["type": "string", "example": "motion"],
            "frames": ["type": "integer", "description": "Total frames (duration × 24)."],
            "transition": [
                "type": "string",
                "description": "Present with end_image_url: the last shot morphs into the end image (optical flow; a dissolve when the pictures do not correspond).",
            ],
            "shots": [
                "type": "array",
                "items": [
                    "type": "object",
                    "required": [
                        "start_frame",
                        "frames",
                        "moves",
                        "speed",
                        "strength",
                        "summary",
                        "source",
                        "default",
                        "motion_blur_frames",
                    ],
                    "properties": [
                        "start_frame": ["type": "integer"],
                        "frames": ["type": "integer"],
                        "moves": [
                            "type": "array",
                            "items": [
                                "type": "string",
                                "enum": [
                                    "push_in",
                                    "pull_out",
                                    "pan_left",
                                    "pan_right",
                                    "tilt_up",
                                    "tilt_down",
                                    "truck_left",
                                    "truck_right",
                                    "pedestal_up",
                                    "pedestal_down",
                                    "orbit_left",
                                    "orbit_right",
                                    "roll_left",
                                    "roll_right",
                                    "handheld",
                                    "static",
                                ],
                            ],
                        ],
                        "speed": ["type": "string", "enum": ["slow", "normal", "fast"]],
                        "strength": ["type": "number", "description": "0.25 + 0.75 × cfg_scale: how far the moves go."],
                        "summary": ["type": "string", "example": "slow push in and truck right"],
                        "source": [
                            "type": "string",
                            "description": "The picture the shot films: start_image_url, or elements[N] when the shot's prompt names @ElementN+1.",
                            "example": "start_image_url",
                        ],
                        "default": [
                            "type": "boolean",
                            "description": "True when the prompt named no camera move and the default slow push-in with a drift was used.",
                        ],
                        "motion_blur_frames": [
                            "type": "integer",
                            "description": "Frames of the shot whose camera moves fast enough to be rendered with motion blur (a 180-degree shutter). 0 when \"motion blur\" is in negative_prompt.",
                        ],
                    ],
                ],
            ],
            "audio": [
                "type": "object",
                "description": "With generate_audio: the layers kept (negative_prompt removes 'noise' and 'speech'), the loudness target, and per shot the ambience beds read from its prompt and the quoted lines with the voice that speaks them ('built-in' or a voice_id).",
                "properties": [
                    "layers": [
                        "type": "object",
                        "properties": ["ambience": ["type": "boolean"], "speech": ["type": "boolean"]],
                    ],
                    "loudness_lufs": ["type": "number", "example": -16],
                    "shots": [
                        "type": "array",
                        "items": [
                            "type": "object",
                            "properties": [
                                "ambience": [
                                    "type": "array",
                                    "items": [
                                        "type": "string",
                                        "enum": ["rain", "wind", "ocean", "fire", "city", "forest", "crowd", "room"],
                                    ],
                                ],
                                "lines": [
                                    "type": "array",
                                    "items": [
                                        "type": "object",
                                        "properties": [
                                            "text": ["type": "string"],
                                            "language": ["type": "string", "enum": ["en", "zh"]],
                                            "voice": ["type": "string"],
                                        ],
                                    ],
                                ],
                            ],
                        ],
                    ],
                ],
            ],
        ],
    ]
}
