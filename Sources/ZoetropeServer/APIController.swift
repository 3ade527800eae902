import Foundation
import HTTPTypes
import Hummingbird
import ZoetropeCore

/// The Segmind-compatible endpoints: model listing, v1 (blocking) and v2 (submit, status, result).
struct APIController {
    let catalog: ModelCatalog
    let queue: JobQueue
    let blobs: any BlobStore
    let publicURL: PublicURL
    let retention: Double
    let syncTimeout: Double
    let maxBodyBytes: Int
    let parser: GenerationRequestParser
    let voiceParser = VoiceRequestParser()
    let voices: any VoiceStore
    /// The engine serving each model, asked for the plan it follows.
    let engines: [String: any Engine]

    static let requestIDHeader = HTTPField.Name("x-request-id")!
    static let generationTimeHeader = HTTPField.Name("x-generation-time")!
    static let costHeader = HTTPField.Name("x-cost")!

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
        group.get("/v1/voices") { _, context in try await listVoices(context: context) }
        group.get("/v1/voices/{id}") { _, context in try await voice(context: context) }
        group.delete("/v1/voices/{id}") { _, context in try await deleteVoice(context: context) }
    }

    // MARK: - Handlers

    private func submitAsync(_ request: Request, context: ZoetropeRequestContext) async throws -> Response {
        let job = try await submit(request, context: context)
        let base = publicURL.current
        let responseURL = "\(base)/v2/requests/\(job.id)"
        return JSONResponse.make([
            "request_id": .string(job.id),
            "status": .string(job.status.rawValue),
            "poll_url": .string(responseURL),
            "status_url": .string("\(responseURL)/status"),
            "response_url": .string(responseURL),
        ])
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
            headers[Self.costHeader] = "0"
            return JSONResponse.make(result, headers: headers)
        }
        guard job.status == .completed, let key = job.outputKey, let file = (blobs as? LocalFileLocating)?.file(for: key)
        else {
            return JSONResponse.make(
                ["request_id": .string(job.id), "status": .string(job.status.rawValue),
                 "error": .string(job.error ?? "the job failed")],
                status: .unprocessableContent, headers: headers)
        }
        headers[.contentType] = "video/mp4"
        headers[Self.generationTimeHeader] = String(format: "%.3f", job.inferenceTime ?? 0)
        headers[Self.costHeader] = "0"
        let body = try await FileIO().loadFile(path: file.path, context: context)
        return Response(status: .ok, headers: headers, body: body)
    }

    private func status(context: ZoetropeRequestContext) async throws -> Response {
        let job = try await ownJob(context: context)
        var body: [String: JSONValue] = [
            "request_id": .string(job.id),
            "status": .string(job.status.rawValue),
            "progress": .number((job.progress * 1000).rounded() / 1000),
            "queue_position": .number(Double(try await queue.store.queuePosition(of: job))),
            "created_at": .string(job.createdAt.iso8601),
            "updated_at": .string(job.updatedAt.iso8601),
        ]
        if job.status == .failed {
            body["error"] = .string(job.error ?? "the job failed")
            return JSONResponse.make(.object(body), status: .unprocessableContent)
        }
        return JSONResponse.make(.object(body))
    }

    private func result(context: ZoetropeRequestContext) async throws -> Response {
        let job = try await ownJob(context: context)
        var metrics: [String: JSONValue] = ["retry_count": .number(Double(max(job.attempts - 1, 0)))]
        if let value = job.queueTime { metrics["queue_time"] = .number(Self.seconds(value)) }
        if let value = job.inferenceTime { metrics["inference_time"] = .number(Self.seconds(value)) }
        if let value = job.totalTime { metrics["total_time"] = .number(Self.seconds(value)) }
        if job.status == .completed { metrics["cost"] = 0 }
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
            return JSONResponse.make(.object(body), status: .unprocessableContent)
        default:
            break
        }
        return JSONResponse.make(.object(body))
    }

    // MARK: - Shared steps

    /// Validates and commits a request; answers only after the job is durable.
    private func submit(_ request: Request, context: ZoetropeRequestContext) async throws -> Job {
        let slug = context.parameters.get("model") ?? ""
        guard let model = catalog.model(slug: slug) else {
            throw APIError.notFound("model '\(slug)' not found")
        }
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/json") else {
            throw APIError.notAcceptable(
                contentType.isEmpty
                    ? "request body must be JSON: send Content-Type: application/json"
                    : "request body must be application/json, not \(contentType)")
        }
        var request = request
        let buffer = try await request.collectBody(upTo: maxBodyBytes)
        let json = try JSONValue.parse(Data(buffer.readableBytesView))
        guard let apiKey = context.apiKey else { throw APIError.unauthorized("missing API key") }
        let jobRequest: JobRequest
        if model.makesVideo {
            var generation = try await parser.parse(json)
            generation.voices = try await resolveVoices(generation.voiceIDs, apiKeyID: apiKey.id)
            jobRequest = .video(generation)
        } else {
            jobRequest = .voice(try voiceParser.parse(json))
        }
        try await engines[slug]?.validate(jobRequest)
        let job = try await queue.submit(model: slug, request: jobRequest, apiKeyID: apiKey.id)
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
