import Foundation
import ZoetropeCore

/// How a job is shown to its client: the result answer (of `GET /v2/requests/{id}`, the stream's
/// last event and webhook bodies alike) and its output while it is kept.
struct JobPresenter: Sendable {
    /// The engine serving each model, asked for the plan it follows.
    let engines: [String: any Engine]
    let blobs: any BlobStore
    /// How long results are kept after submission, in seconds (how long output links last).
    let retention: Double

    /// The result answer of a job (FAILED ones are served under 422).
    func result(for job: Job) -> ResultAnswer {
        let metrics = ResultAnswer.Metrics(
            queueTime: job.queueTime.map(Self.seconds), inferenceTime: job.inferenceTime.map(Self.seconds),
            totalTime: job.totalTime.map(Self.seconds), retryCount: max(job.attempts - 1, 0),
            cost: job.status == .completed ? job.cost.number : nil, seed: job.request.video?.seed,
            upstream: Self.upstreamMetrics(of: job), stages: job.status == .completed ? job.stages : nil)
        var error: String?
        switch job.status {
        case .failed: error = job.error ?? "the job failed"
        case .cancelled: error = job.error ?? "cancelled by the client"
        default: break
        }
        return ResultAnswer(
            requestID: job.id, model: job.model, status: job.status, progress: (job.progress * 1000).rounded() / 1000,
            metrics: metrics, createdAt: job.createdAt.iso8601, completedAt: job.completedAt?.iso8601,
            plan: job.upstream == nil ? engines[job.model]?.plan(for: job.request) : nil, output: output(of: job),
            lastFrameURL: lastFrameURL(of: job), error: error)
    }

    /// A COMPLETED video's last frame as a PNG: its signed link, valid as long as the video's.
    func lastFrameURL(of job: Job) -> String? {
        guard job.status == .completed, job.result == nil, let key = job.outputKey else { return nil }
        return blobs.signedURL(key: BlobKey.lastFrame(ofOutput: key), expires: job.createdAt.addingTimeInterval(retention))
    }

    /// A COMPLETED job's output: the JSON its model answers, or its video's signed link (valid
    /// until the result expires); nil for any other job.
    func output(of job: Job) -> JSONValue? {
        guard job.status == .completed else { return nil }
        if let result = job.result { return result }
        guard let key = job.outputKey else { return nil }
        return .string(blobs.signedURL(key: key, expires: job.createdAt.addingTimeInterval(retention)))
    }

    /// One request in the caller's history: what was asked (inline data left out), how it went,
    /// the output while kept.
    func historyEntry(for job: Job) -> HistoryAnswer.Entry {
        HistoryAnswer.Entry(
            requestID: job.id, model: job.model, status: job.status, createdAt: job.createdAt.iso8601,
            completedAt: job.completedAt?.iso8601, latency: job.totalTime.map(Self.seconds),
            cost: job.status == .completed ? job.cost.number : 0, inputs: Self.inputs(of: job.request),
            error: job.status == .failed || job.status == .cancelled ? job.error : nil, output: output(of: job))
    }

    /// A request's parameters as the client sent them, with uploaded files shown as a note
    /// instead of their base64.
    static func inputs(of request: JobRequest) -> JSONValue {
        request.publicParameters(durations: .text) { _, input in
            switch input {
            case .remote(let url): .string(url.absoluteString)
            case .inline, .stored: "(uploaded data)"
            }
        }
    }

    /// Where the job ran upstream, once submitted there: the upstream's name and request id, and
    /// the times and cost it reported (when it finished).
    static func upstreamMetrics(of job: Job) -> JSONValue? {
        guard let upstream = job.upstream, let requestID = upstream.requestID else { return nil }
        var fields: [String: JSONValue] = ["name": .string(upstream.upstream), "request_id": .string(requestID)]
        if case .object(let reported)? = upstream.metrics { fields.merge(reported) { kept, _ in kept } }
        return .object(fields)
    }

    /// Seconds to the millisecond.
    static func seconds(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}
