import Foundation
import ZoetropeCore

/// The answer to `GET /v2/requests/{id}` (also the stream's `result` event and a webhook's body):
/// the request's state, metrics, render plan and output. `JobPresenter` makes it from a job.
struct ResultAnswer: Codable, Equatable {
    var requestID: String
    var model: String
    var status: JobStatus
    /// 0...1, three decimals.
    var progress: Double
    var metrics: Metrics
    var createdAt: String
    /// Null until the job ends.
    var completedAt: String?
    /// How the engine reads the request, when it says.
    var plan: JSONValue?
    /// When COMPLETED: the video's signed URL, or the JSON a model answers (a voice).
    var output: JSONValue?
    /// When a video is COMPLETED: the signed URL of the PNG of its last frame.
    var lastFrameURL: String?
    /// Why a FAILED or CANCELLED request ended.
    var error: String?

    /// A request's timings, retries and cost.
    struct Metrics: Codable, Equatable {
        var queueTime: Double?
        var inferenceTime: Double?
        var totalTime: Double?
        var retryCount: Int
        /// Present when COMPLETED.
        var cost: Double?
        /// The key's balance, for a metered key reading its own result.
        var remainingCredits: Double?
        /// The seed the video is made with (video requests).
        var seed: UInt32?
        /// For a job run on an upstream: its name and request id there, and the times and cost it
        /// reported, beside the gateway's own.
        var upstream: JSONValue?
        /// Where a finished render's time went, seconds by stage, when its renderer reported them.
        var stages: JSONValue?

        enum CodingKeys: String, CodingKey {
            case queueTime = "queue_time", inferenceTime = "inference_time", totalTime = "total_time",
                retryCount = "retry_count", cost, remainingCredits = "remaining_credits", seed, upstream, stages
        }
    }

    /// FAILED answers are served under 422.
    var failed: Bool { status == .failed }

    enum CodingKeys: String, CodingKey {
        case requestID = "request_id", model, status, progress, metrics, createdAt = "created_at",
            completedAt = "completed_at", plan, output, lastFrameURL = "last_frame_url", error
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(requestID, forKey: .requestID)
        try container.encode(model, forKey: .model)
        try container.encode(status, forKey: .status)
        try container.encode(progress, forKey: .progress)
        try container.encode(metrics, forKey: .metrics)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(completedAt, forKey: .completedAt)  // null until then
        try container.encodeIfPresent(plan, forKey: .plan)
        try container.encodeIfPresent(output, forKey: .output)
        try container.encodeIfPresent(lastFrameURL, forKey: .lastFrameURL)
        try container.encodeIfPresent(error, forKey: .error)
    }
}
