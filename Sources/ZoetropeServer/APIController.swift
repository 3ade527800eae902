import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOFoundationCompat
import ZoetropeCore
import ZoetropeMedia
import ZoetropeOutbound

/// The Segmind-compatible endpoints: model listing, v1 (blocking) and v2 (submit, status, result).
struct APIController {
    let catalog: ModelCatalog
    let queue: JobQueue
    let blobs: any BlobStore
    let publicURL: PublicURL
    let retention: Double
    let syncTimeout: Double
    let maxBodyBytes: Int
    let voices: any VoiceStore
    let webhooks: any WebhookStore
    /// The engine serving each model, asked for the plan it follows.
    let engines: [String: any Engine]
    let pricing: ModelPricing
    let maxUnfinishedJobs: Int
    /// Checks webhook targets against the SSRF guard at submit.
    let fetcher: InputFetcher
    /// Queue positions for status answers.
    let positions: QueuePositions
    /// One submit at a time per key, so the unfinished-jobs cap holds under concurrent submits.
    let submitGate = KeyedMutex()

    static let requestIDHeader = HTTPField.Name("x-request-id")!
    static let generationTimeHeader = HTTPField.Name("x-generation-time")!
    static let costHeader = HTTPField.Name("x-cost")!
    static let idempotencyHeader = HTTPField.Name("Idempotency-Key")!
    /// Longest idempotency key accepted.
    static let maxIdempotencyKeyLength = 255

    func addPublicRoutes(to router: Router<ZoetropeRequestContext>) {
        router.get("/v1/models") { _, _ in
            JSONResponse.make(["models": .array(catalog.models.map(\.json))])
        }
    }

    func addAuthenticatedRoutes(to group: RouterGroup<ZoetropeRequestContext>) {
        group.post("/v1/{model}") { request, context in try await runSync(request, context: context) }
        group.post("/v2/{model}") { request, context in try await submitAsync(request, context: context) }
        group.get("/v2/requests/{id}/status") { _, context in try await status(context: context) }
        group.get("/v2/requests/{id}") { _, context in try await result(context: context) }
        group.post("/v2/requests/{id}/cancel") { _, context in try await cancel(context: context) }
        group.get("/v2/requests/{id}/stream") { _, context in try await stream(context: context) }
        group.get("/v1/requests") { request, context in try await history(request, context: context) }
        group.get("/v1/get-user-credits") { _, context in try await credits(context: context) }
        group.get("/v2/requests/{id}/webhooks") { _, context in try await webhookLog(context: context) }
        group.get("/v1/webhooks/secret") { _, context in
            guard let apiKey = context.apiKey else { throw APIError.unauthorized("missing API key") }
            return JSONResponse.make(["secret": .string(try await webhooks.webhookSecret(apiKeyID: apiKey.id))])
        }
        group.get("/v1/voices") { _, context in try await listVoices(context: context) }
        group.get("/v1/voices/{id}") { _, context in try await voice(context: context) }
        group.delete("/v1/voices/{id}") { _, context in try await deleteVoice(context: context) }
    }

    // MARK: - Handlers

    private func submitAsync(_ request: Request, context: ZoetropeRequestContext) async throws -> Response {
        let job = try await submit(request, context: context)
        return try JSONResponse.make(encoding: SubmitAnswer(job: job, base: publicURL.current))
    }

    private func runSync(_ request: Request, context: ZoetropeRequestContext) async throws -> Response {
        let submitted = try await submit(request, context: context)
        let deadline = Date().addingTimeInterval(syncTimeout)
        var job = submitted
        while !job.status.isTerminal {
            guard Date() < deadline else {
                throw APIError(
                    status: 504,
                    message: "the video was not ready within \(syncTimeout) s; request \(job.id) is still \(job.status.rawValue.lowercased()), poll GET /v2/requests/\(job.id)/status",
                    headers: ["x-request-id": job.id])
            }
            try await Task.sleep(for: .milliseconds(200))
            guard let current = try await queue.store.job(id: submitted.id) else {
                throw APIError.notFound("request \(submitted.id) expired before it finished")
            }
            job = current
        }
        var headers: HTTPFields = [:]
        headers[Self.requestIDHeader] = job.id
        if job.status == .completed, let result = job.result {
            headers[Self.generationTimeHeader] = String(format: "%.3f", job.inferenceTime ?? 0)
            headers[Self.costHeader] = job.cost.description
            return JSONResponse.make(result, headers: headers)
        }
        guard job.status == .completed, let key = job.outputKey else {
            return JSONResponse.make(
                ["request_id": .string(job.id), "status": .string(job.status.rawValue),
                 "error": .string(job.error ?? "the job failed")],
                status: .unprocessableContent, headers: headers)
        }
        headers[.contentType] = "video/mp4"
        headers[Self.generationTimeHeader] = String(format: "%.3f", job.inferenceTime ?? 0)
        headers[Self.costHeader] = job.cost.description
        if let file = (blobs as? LocalFileLocating)?.file(for: key) {
            let body = try await FileIO().loadFile(path: file.path, context: context)
            return Response(status: .ok, headers: headers, body: body)
        }
        do {
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(data: try await blobs.data(key: key))))
        } catch is BlobNotFound {
            throw APIError.notFound("request \(job.id)'s video has expired or was deleted")
        }
    }

    /// Cancels a QUEUED or PROCESSING job (a running render stops within a second, and leaves no
    /// file); 409 for a job that already ended.
    private func cancel(context: ZoetropeRequestContext) async throws -> Response {
        let job = try await ownJob(context: context)
        guard let cancelled = try await queue.store.cancel(id: job.id, now: Date()) else {
            let current = try await queue.store.job(id: job.id)?.status ?? job.status
            throw APIError(
                status: 409,
                message: "request \(job.id) is \(current.rawValue); only QUEUED or PROCESSING requests can be cancelled")
        }
        // A queued job's inputs go now; a running one's runner removes them when it stops.
        if job.status == .queued { await queue.removeInputs(of: job) }
        context.logger.info("request \(job.id) cancelled")
        return try await statusResponse(for: cancelled)
    }

    private func status(context: ZoetropeRequestContext) async throws -> Response {
        try await statusResponse(for: try await ownJob(context: context))
    }

    private func statusResponse(for job: Job) async throws -> Response {
        let answer = try await statusAnswer(for: job)
        return try JSONResponse.make(encoding: answer, status: answer.failed ? .unprocessableContent : .ok)
    }

    /// The status answer of a job (FAILED ones are served under 422).
    private func statusAnswer(for job: Job) async throws -> StatusAnswer {
        StatusAnswer(job: job, queuePosition: try await positions.position(of: job))
    }

    /// Server-Sent Events: an `event: status` with the status body on every change (queue
    /// position, progress, state), then `event: result` with the result body, then the stream ends.
    private func stream(context: ZoetropeRequestContext) async throws -> Response {
        let first = try await ownJob(context: context)
        let store = queue.store
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let controller = self
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            func send(_ event: String, _ data: Data) async throws {
                let text = "event: \(event)\ndata: \(String(decoding: data, as: UTF8.self))\n\n"
                try await writer.write(ByteBuffer(string: text))
            }
            var job = first
            var last: StatusAnswer?
            var quiet = 0
            while true {
                let answer = try await controller.statusAnswer(for: job)
                // The timestamps move on every progress write; changes are what the client sees.
                var seen = answer
                seen.updatedAt = ""
                if seen != last {
                    try await send("status", try JSONResponse.encoded(answer))
                    last = seen
                    quiet = 0
                } else {
                    quiet += 1
                    // A comment now and then keeps proxies from closing an idle stream.
                    if quiet % 60 == 0 { try await writer.write(ByteBuffer(string: ": waiting\n\n")) }
                }
                if job.status.isTerminal { break }
                try await Task.sleep(for: .milliseconds(250))
                guard let current = try await store.job(id: job.id) else {
                    try await send("error", JSONValue.object(["error": .string("request \(job.id) expired")]).encoded())
                    break
                }
                job = current
            }
            if job.status.isTerminal {
                try await send("result", controller.resultBody(for: job).0.encoded())
            }
            try await writer.finish(nil)
        })
    }

    /// `GET /v1/requests`: the caller's own requests, newest first, filtered and paged.
    private func history(_ request: Request, context: ZoetropeRequestContext) async throws -> Response {
        guard let apiKey = context.apiKey else { throw APIError.unauthorized("missing API key") }
        let query = try HistoryQuery(request)
        let (page, perPage, filter) = (query.page, query.perPage, query.filter)
        let (jobs, total) = try await queue.store.jobs(
            apiKeyID: apiKey.id, filter: filter, limit: perPage, offset: (page - 1) * perPage)
        return JSONResponse.make([
            "requests": .array(jobs.map(historyEntry)),
            "page": .number(Double(page)), "per_page": .number(Double(perPage)), "total": .number(Double(total)),
        ])
    }

    /// One request in the history: what was asked (inline data left out), how it went, the output while kept.
    private func historyEntry(_ job: Job) -> JSONValue {
        var entry: [String: JSONValue] = [
            "request_id": .string(job.id), "model": .string(job.model), "status": .string(job.status.rawValue),
            "created_at": .string(job.createdAt.iso8601),
            "completed_at": job.completedAt.map { .string($0.iso8601) } ?? .null,
            "latency": job.totalTime.map { .number(Self.seconds($0)) } ?? .null,
            "cost": job.status == .completed ? job.cost.json : 0,
            "inputs": Self.inputs(of: job.request),
        ]
        if let error = job.error, job.status == .failed || job.status == .cancelled { entry["error"] = .string(error) }
        if job.status == .completed {
            if let result = job.result {
                entry["output"] = result
            } else if let key = job.outputKey {
                entry["output"] = .string(blobs.signedURL(key: key, expires: job.createdAt.addingTimeInterval(retention)))
            }
        }
        return .object(entry)
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

    private func result(context: ZoetropeRequestContext) async throws -> Response {
        var (body, failed) = resultBody(for: try await ownJob(context: context))
        // A metered key also sees its balance in the metrics, as Segmind's result shows it.
        if let balance = context.apiKey?.credits, case .object(var fields) = body, case .object(var metrics)? = fields["metrics"] {
            metrics["remaining_credits"] = balance.json
            fields["metrics"] = .object(metrics)
            body = .object(fields)
        }
        return JSONResponse.make(body, status: failed ? .unprocessableContent : .ok)
    }

    /// The result body of a job, and whether it FAILED (answered under 422).
    func resultBody(for job: Job) -> (JSONValue, Bool) {
        var metrics: [String: JSONValue] = ["retry_count": .number(Double(max(job.attempts - 1, 0)))]
        if let value = job.queueTime { metrics["queue_time"] = .number(Self.seconds(value)) }
        if let value = job.inferenceTime { metrics["inference_time"] = .number(Self.seconds(value)) }
        if let value = job.totalTime { metrics["total_time"] = .number(Self.seconds(value)) }
        if job.status == .completed { metrics["cost"] = job.cost.json }
        var body: [String: JSONValue] = [
            "request_id": .string(job.id),
            "model": .string(job.model),
            "status": .string(job.status.rawValue),
            "progress": .number((job.progress * 1000).rounded() / 1000),
            "metrics": .object(metrics),
            "created_at": .string(job.createdAt.iso8601),
            "completed_at": job.completedAt.map { .string($0.iso8601) } ?? .null,
        ]
        if let plan = engines[job.model]?.plan(for: job.request) { body["plan"] = plan }
        switch job.status {
        case .completed:
            if let result = job.result {
                body["output"] = result
            } else if let key = job.outputKey {
                body["output"] = .string(blobs.signedURL(key: key, expires: job.createdAt.addingTimeInterval(retention)))
            }
        case .failed:
            body["error"] = .string(job.error ?? "the job failed")
            return (.object(body), true)
        case .cancelled:
            body["error"] = .string(job.error ?? "cancelled by the client")
        default:
            break
        }
        return (.object(body), false)
    }

    // MARK: - Shared steps

    /// Validates and commits a request; answers only after the job is durable.
    private func submit(_ request: Request, context: ZoetropeRequestContext) async throws -> Job {
        let slug = context.parameters.get("model") ?? ""
        guard let model = catalog.model(slug: slug) else {
            throw APIError.notFound("model '\(slug)' not found")
        }
        if let apiKey = context.apiKey, !apiKey.mayUse(model: slug) {
            throw APIError.forbidden(
                "this API key may not use model '\(slug)'; it may use: \((apiKey.models ?? []).joined(separator: ", "))")
        }
        try JSONContentType.check(request.headers[.contentType])
        var request = request
        let buffer = try await request.collectBody(upTo: maxBodyBytes)
        let json = try JSONValue.parse(Data(buffer.readableBytesView))
        guard let apiKey = context.apiKey else { throw APIError.unauthorized("missing API key") }
        var parsed = try await model.parse(json)
        if case .video(var generation) = parsed {
            generation.voices = try await resolveVoices(generation.voiceIDs, apiKeyID: apiKey.id)
            parsed = .video(generation)
        }
        let jobRequest = parsed
        try await engines[slug]?.validate(jobRequest)
        var idempotency: JobQueue.Idempotency?
        if let key = request.headers[Self.idempotencyHeader] {
            guard !key.isEmpty, key.count <= Self.maxIdempotencyKeyLength else {
                throw APIError.badRequest("Idempotency-Key must be 1 to \(Self.maxIdempotencyKeyLength) characters")
            }
            // The same model and the same JSON (keys in any order) is the same body.
            let canonical = Data(slug.utf8) + json.encoded()
            let hash = SHA256.hash(data: canonical).map { String(format: "%02x", $0) }.joined()
            idempotency = JobQueue.Idempotency(key: key, bodyHash: hash)
        }
        let webhookURL = try await webhookTarget(request, apiKey: apiKey)
        let cost = pricing.cost(of: jobRequest, model: slug)
        let queue = self.queue, limit = maxUnfinishedJobs, claim = idempotency
        let job = try await submitGate.withLock(apiKey.id) {
            let unfinished = try await queue.store.unfinishedJobCount(apiKeyID: apiKey.id)
            if unfinished >= limit {
                throw APIError(
                    status: 429,
                    message: "this API key already has \(unfinished) unfinished requests (at most \(limit)); wait for one to finish",
                    headers: ["Retry-After": "5"])
            }
            do {
                return try await queue.submit(
                    model: slug, request: jobRequest, apiKeyID: apiKey.id, cost: cost, webhookURL: webhookURL,
                    idempotency: claim)
            } catch let short as InsufficientCredits {
                throw short.apiError
            }
        }
        context.logger.info("accepted request \(job.id) for \(slug)")
        return job
    }

    /// The caller's voices for `ids`, in order; a 400 naming the first id that is unknown or
    /// belongs to another key.
    private func resolveVoices(_ ids: [String], apiKeyID: String) async throws -> [VoiceProfile] {
        var profiles: [VoiceProfile] = []
        for (index, id) in ids.enumerated() {
            guard let profile = try await voices.voice(id: id, apiKeyID: apiKeyID) else {
                throw APIError.badRequest(
                    "voice_ids[\(index)]: voice '\(id)' not found (unknown, deleted, or made with another API key)")
            }
            profiles.append(profile)
        }
        return profiles
    }

    /// The submit's `?webhook=` (checked: http(s), a public address), else the key's default.
    private func webhookTarget(_ request: Request, apiKey: APIKey) async throws -> String? {
        guard let raw = request.uri.queryParameters["webhook"].map(String.init), !raw.isEmpty else {
            return apiKey.webhookURL
        }
        _ = try ParameterType.webURL.validate(.string(raw), field: "webhook")
        guard let url = URL(string: raw) else { throw APIError.badRequest("webhook must be an http(s) URL, got \(raw)") }
        do {
            _ = try await fetcher.policy.destination(for: url, field: "webhook")
        } catch let error as OutboundError {
            throw APIError.badRequest(error.description)
        }
        return raw
    }

    /// `GET /v2/requests/{id}/webhooks`: the request's webhook deliveries and every attempt.
    private func webhookLog(context: ZoetropeRequestContext) async throws -> Response {
        let job = try await ownJob(context: context)
        let deliveries = try await webhooks.webhookDeliveries(jobID: job.id)
        return JSONResponse.make(["deliveries": .array(deliveries.map { delivery, attempts in
            [
                "url": .string(delivery.url), "state": .string(delivery.state.rawValue),
                "attempts": .array(attempts.map { attempt in
                    [
                        "attempt": .number(Double(attempt.attempt)), "at": .string(attempt.at.iso8601),
                        "status_code": attempt.statusCode.map { .number(Double($0)) } ?? .null,
                        "error": attempt.error.map { .string($0) } ?? .null,
                    ]
                }),
                "next_attempt_at": delivery.state == .pending ? .string(delivery.nextAttemptAt.iso8601) : .null,
            ]
        })])
    }

    /// `GET /v1/get-user-credits`: the key's balance (null when the key is not metered).
    private func credits(context: ZoetropeRequestContext) async throws -> Response {
        guard let apiKey = context.apiKey else { throw APIError.unauthorized("missing API key") }
        let balance = apiKey.credits  // read for this request
        return JSONResponse.make(["credits": balance?.json ?? .null, "metered": .bool(balance != nil)])
    }

    // MARK: - Voices

    private static func voiceJSON(_ voice: VoiceProfile) -> JSONValue {
        [
            "voice_id": .string(voice.id), "voice_name": .string(voice.name),
            "pitch_hz": .number(voice.pitchHz), "syllables_per_second": .number(voice.syllablesPerSecond),
            "espeak": ["variant": .string(voice.espeakVariant), "pitch": .number(Double(voice.espeakPitch)),
                       "words_per_minute": .number(Double(voice.wordsPerMinute))],
            "created_at": .string(voice.createdAt.iso8601),
        ]
    }

    private func listVoices(context: ZoetropeRequestContext) async throws -> Response {
        guard let apiKey = context.apiKey else { throw APIError.unauthorized("missing API key") }
        let list = try await voices.voices(apiKeyID: apiKey.id)
        return JSONResponse.make(["voices": .array(list.map(Self.voiceJSON))])
    }

    private func voice(context: ZoetropeRequestContext) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        guard let apiKey = context.apiKey, let voice = try await voices.voice(id: id, apiKeyID: apiKey.id) else {
            throw APIError.notFound("voice '\(id)' not found (unknown, deleted, or not yours)")
        }
        return JSONResponse.make(Self.voiceJSON(voice))
    }

    private func deleteVoice(context: ZoetropeRequestContext) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        guard let apiKey = context.apiKey, try await voices.deleteVoice(id: id, apiKeyID: apiKey.id) else {
            throw APIError.notFound("voice '\(id)' not found (unknown, deleted, or not yours)")
        }
        return JSONResponse.make(["voice_id": .string(id), "deleted": true])
    }

    /// The job named in the path, if it belongs to the caller's key; 404 otherwise.
    private func ownJob(context: ZoetropeRequestContext) async throws -> Job {
        let id = context.parameters.get("id") ?? ""
        guard let job = try await queue.store.job(id: id), job.apiKeyID == context.apiKey?.id else {
            throw APIError.notFound("request '\(id)' not found (unknown, expired, or not yours)")
        }
        return job
    }

    private static func seconds(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}

/// A blob store whose blobs are local files the gateway can stream itself.
protocol LocalFileLocating {
    func file(for key: String) -> URL?
}
