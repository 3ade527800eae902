import Foundation
import Logging
import ZoetropeCore

/// Serves a routed model through an upstream: pins the job to the upstream, submits it there with
/// an idempotency key, records the upstream's request id the moment the submit answers, polls
/// with a growing pause until the request ends, then takes the video into the job's output file
/// and records the upstream's metrics. A job an earlier attempt submitted is polled again, never
/// submitted twice. Progress follows the upstream's state and the model's typical time there;
/// failures end the job with reasons prefixed `upstream: `.
public struct UpstreamEngine: Engine {
    public let name = ModelRoute.engineName
    let route: ModelRoute
    /// Each upstream's calls, by name: a job goes on with the upstream it was submitted to, even
    /// when its model has been routed elsewhere since.
    let callers: [String: UpstreamCaller]
    let inputs: UpstreamInputs
    let output: UpstreamOutput
    let progress: UpstreamProgress
    /// The first pause between polls; it grows by half each poll to ten times this, and starts
    /// again whenever the upstream's state changes.
    let pollInterval: Duration
    let logger: Logger

    /// The `Idempotency-Key` of a job's submit: the same for every attempt, so a submit repeated
    /// after a restart is the same request on an upstream that honours the header.
    static func idempotencyKey(jobID: String) -> String { "zoetrope-job-\(jobID)" }

    public func run(_ request: JobRequest, context: RenderContext) async throws -> EngineOutput {
        guard request.video != nil else { throw RenderError(UpstreamReason.prefix + "only video models run on an upstream") }
        var record = context.upstream ?? UpstreamRequest(upstream: route.upstream, slug: route.slug)
        guard let caller = callers[record.upstream] else { throw RenderError(UpstreamReason.unknownUpstream) }
        var log = logger
        log[metadataKey: "request_id"] = .string(context.jobID)
        log[metadataKey: "upstream"] = .string(record.upstream)
        let requestID: String
        if let known = record.requestID {
            requestID = known
            log.info("polling upstream request \(known), submitted by an earlier attempt")
        } else {
            if context.upstream != nil { log.info("submitting again: an earlier attempt's submit was not answered") }
            try await context.recordUpstream(record)
            requestID = try await submit(request, slug: record.slug, caller: caller, context: context)
            record.requestID = requestID
            try await context.recordUpstream(record)
            log.info("submitted to upstream as \(requestID)")
        }
        let result = try await poll(requestID, caller: caller, context: context, log: log)
        try await output.take(from: result, upstream: caller.endpoint, to: context.outputFile)
        record.metrics = UpstreamOutput.metrics(of: result)
        try await context.recordUpstream(record)
        return .video
    }

    /// Submits the job; returns the upstream's request id.
    private func submit(_ request: JobRequest, slug: String, caller: UpstreamCaller, context: RenderContext) async throws -> String {
        let body = try inputs.body(for: request, context: context)
        let key = Self.idempotencyKey(jobID: context.jobID)
        let verdict = try await caller.settled("submit") {
            try await caller.client.submit(slug: slug, body: body, idempotencyKey: key)
        }
        switch verdict {
        case .answer(let answer):
            guard let id = answer["request_id"]?.stringValue, !id.isEmpty else {
                throw RenderError(UpstreamReason.prefix + "the upstream's answer to the submit had no request_id")
            }
            return id
        case .notFound:
            throw RenderError(UpstreamReason.prefix + "the service that runs this model does not know the model '\(slug)'")
        default:
            throw RenderError(Self.reason(for: verdict, key: caller.endpoint.key))
        }
    }

    /// Polls the request's status until it ends; returns its result once COMPLETED.
    private func poll(_ id: String, caller: UpstreamCaller, context: RenderContext, log: Logger) async throws -> JSONValue {
        var pause = pollInterval
        var state = ""
        var processingSince: ContinuousClock.Instant?
        while true {
            let verdict = try await caller.settled("status of \(id)") { try await caller.client.status(of: id) }
            guard case .answer(let answer) = verdict else { throw RenderError(Self.reason(for: verdict, key: caller.endpoint.key)) }
            let now = answer["status"]?.stringValue ?? ""
            switch now {
            case "COMPLETED":
                let result = try await finished(id, caller: caller)
                let measured = processingSince.map { (ContinuousClock.now - $0).inSeconds }
                if let seconds = result["metrics"]?["inference_time"]?.numberValue ?? measured { progress.learn(seconds: seconds) }
                return result
            case "FAILED":
                throw RenderError(UpstreamReason.upstreamSaid(
                    answer["error"]?.stringValue, key: caller.endpoint.key, fallback: "the request failed"))
            case "CANCELLED":
                throw RenderError(UpstreamReason.cancelled)
            default:
                if now != state {
                    log.info("upstream request \(id) is \(now.isEmpty ? "in an unknown state" : now)")
                    state = now
                    pause = pollInterval
                    if now == "PROCESSING" { processingSince = .now }
                }
                context.progress(progress.fraction(
                    state: now, reported: answer["progress"]?.numberValue,
                    processingFor: processingSince.map { (ContinuousClock.now - $0).inSeconds }))
                try await Task.sleep(for: pause)
                pause = min(pause * 1.5, pollInterval * 10)
            }
        }
    }

    /// The result of a request whose status said COMPLETED.
    private func finished(_ id: String, caller: UpstreamCaller) async throws -> JSONValue {
        let verdict = try await caller.settled("result of \(id)") { try await caller.client.result(of: id) }
        guard case .answer(let result) = verdict else { throw RenderError(Self.reason(for: verdict, key: caller.endpoint.key)) }
        if result["status"]?.stringValue == "FAILED" {
            throw RenderError(UpstreamReason.upstreamSaid(
                result["error"]?.stringValue, key: caller.endpoint.key, fallback: "the request failed"))
        }
        return result
    }

    /// Why a verdict that is not an answer ends the job.
    static func reason(for verdict: UpstreamVerdict, key: UpstreamKey) -> String {
        switch verdict {
        case .notFound: UpstreamReason.expired
        case .refused(let status, let said):
            UpstreamReason.upstreamSaid(said, key: key, fallback: "the upstream refused the request (HTTP \(status))")
        default: UpstreamReason.prefix + "the upstream gave an answer this gateway does not understand"
        }
    }
}
