import Foundation

/// One generation request as the queue tracks it: who asked, what for, where it stands.
public struct Job: Sendable, Equatable {
    public var id: String
    /// The API key that submitted the job; other keys never see it.
    public var apiKeyID: String
    public var model: String
    public var request: JobRequest
    public var status: JobStatus
    /// Fraction done, 0...1.
    public var progress: Double
    /// How many times a runner has leased the job.
    public var attempts: Int
    public var maxAttempts: Int
    public var leaseOwner: String?
    public var leaseExpiresAt: Date?
    public var error: String?
    /// The blob key of the finished video.
    public var outputKey: String?
    /// The output of a model whose result is JSON rather than a file (a created voice).
    public var result: JSONValue?
    /// Where a finished render's time went: seconds by stage (`StageTimes.json(_:)`), as its renderer reported them.
    public var stages: JSONValue?
    /// Credits reserved at submit: charged when the job completes, released when it fails or is cancelled.
    public var cost: Credits
    /// Where the result is POSTed when the job ends (the submit's `?webhook=`, or the key's default).
    public var webhookURL: String?
    /// While the content policy has not yet passed the job: the deadline of the screen under
    /// way, after which another gateway takes the screen over. Runners lease only jobs with none.
    public var screenUntil: Date?
    /// Where the job runs on an upstream, once one has taken it (it is then leased only by
    /// upstream slots, which poll that request rather than submit it again).
    public var upstream: UpstreamRequest?
    public var createdAt: Date
    public var updatedAt: Date
    public var startedAt: Date?
    public var completedAt: Date?

    public init(
        id: String = UUID().uuidString.lowercased(), apiKeyID: String, model: String, request: JobRequest,
        status: JobStatus = .queued, progress: Double = 0, attempts: Int = 0, maxAttempts: Int = 3,
        leaseOwner: String? = nil, leaseExpiresAt: Date? = nil, error: String? = nil, outputKey: String? = nil, result: JSONValue? = nil, stages: JSONValue? = nil, cost: Credits = .zero, webhookURL: String? = nil,
        screenUntil: Date? = nil, upstream: UpstreamRequest? = nil, createdAt: Date = Date(), updatedAt: Date? = nil,
        startedAt: Date? = nil, completedAt: Date? = nil
    ) {
        self.id = id
        self.apiKeyID = apiKeyID
        self.model = model
        self.request = request
        self.status = status
        self.progress = progress
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.leaseOwner = leaseOwner
        self.leaseExpiresAt = leaseExpiresAt
        self.error = error
        self.outputKey = outputKey
        self.result = result
        self.stages = stages
        self.cost = cost
        self.webhookURL = webhookURL
        self.screenUntil = screenUntil
        self.upstream = upstream
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.startedAt = startedAt
        self.completedAt = completedAt
    }

    /// Seconds spent waiting in the queue before the (last) start.
    public var queueTime: Double? { startedAt.map { $0.timeIntervalSince(createdAt) } }
    /// Seconds from start to completion.
    public var inferenceTime: Double? {
        guard let startedAt, let completedAt else { return nil }
        return completedAt.timeIntervalSince(startedAt)
    }
    /// Seconds from submission to completion.
    public var totalTime: Double? { completedAt.map { $0.timeIntervalSince(createdAt) } }
}
