/// A request's state as the status endpoint reports it, with its progress.
public struct JobState: Sendable, Equatable {
    /// `QUEUED`, `PROCESSING`, `COMPLETED`, `FAILED` (or `CANCELLED`).
    public var status: String
    /// Fraction done, 0...1.
    public var progress: Double
    /// 1 = next to start; 0 or nil once it is not queued.
    public var queuePosition: Int?
    /// The server's `error` when FAILED.
    public var error: String?
    /// The whole status body.
    public var body: JSON

    public init(body: JSON) {
        self.body = body
        status = body["status"]?.string ?? "UNKNOWN"
        progress = body["progress"]?.double ?? 0
        queuePosition = body["queue_position"]?.int
        error = body["error"]?.string
    }

    /// True once the request will not change any more.
    public var isTerminal: Bool { ["COMPLETED", "FAILED", "CANCELLED"].contains(status) }
}

/// A finished (or current) request's result body: its output (the video's URL, or a model's
/// JSON output such as `{voice_id, voice_name}`), metrics and plan.
public struct JobResult: Sendable, Equatable {
    public var requestID: String
    public var status: String
    public var output: JSON?
    public var metrics: JSON?
    public var plan: JSON?
    public var body: JSON

    public init(body: JSON) {
        self.body = body
        requestID = body["request_id"]?.string ?? ""
        status = body["status"]?.string ?? "UNKNOWN"
        output = body["output"]
        metrics = body["metrics"]
        plan = body["plan"]
    }

    /// The output as a URL, for video models.
    public var outputURL: String? { output?.string }
}
