import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import ZoetropeCore
import ZoetropeOutbound

/// The steps every submit takes, for `POST /v1/{model}` and `POST /v2/{model}` alike: the model
/// and the key's scope, the JSON body and its validation (the caller's voices, what the engine
/// can honour), the idempotency key, the webhook target, the price, and the commit under the
/// key's cap on unfinished requests. Answers only after the job is durable.
struct JobSubmitter: Sendable {
    let catalog: ModelCatalog
    let queue: JobQueue
    let voices: any VoiceStore
    /// The engine serving each model, asked to validate what only it knows.
    let engines: [String: any Engine]
    let pricing: ModelPricing
    let maxBodyBytes: Int
    let maxUnfinishedJobs: Int
    /// Checks webhook targets against the SSRF guard at submit.
    let outboundPolicy: OutboundPolicy
    /// Where a committed job goes for the content policy's screen.
    let screening: ScreeningInbox
    /// One submit at a time per key, so the unfinished-jobs cap holds under concurrent submits.
    let gate = KeyedMutex()

    static let idempotencyHeader = HTTPField.Name("Idempotency-Key")!
    /// Longest idempotency key accepted.
    static let maxIdempotencyKeyLength = 255

    /// Validates and commits the request to the model the path names.
    func submit(_ request: Request, context: ZoetropeRequestContext) async throws -> Job {
        let slug = context.parameters.get("model") ?? ""
        guard let model = catalog.model(slug: slug) else {
            throw APIError.notFound("model '\(slug)' not found")
        }
        let apiKey = try context.requireAPIKey(mayUse: slug)
        try JSONContentType.check(request.headers[.contentType])
        var request = request
        let buffer = try await request.collectBody(upTo: maxBodyBytes)
        let json = try JSONValue.parse(Data(buffer.readableBytesView))
        var parsed = try await model.parse(json)
        if case .video(var generation) = parsed {
            generation.voices = try await resolveVoices(generation.voiceIDs, apiKeyID: apiKey.id)
            // Every job has a seed: the client's, or one chosen now (reported in its metrics).
            generation.seed = generation.seed ?? UInt32.random(in: .min ... .max)
            parsed = .video(generation)
        }
        let jobRequest = parsed
        try await engines[slug]?.validate(jobRequest)
        let idempotency = try Self.idempotency(request, slug: slug, json: json)
        let webhookURL = try await webhookTarget(request, apiKey: apiKey)
        let cost = pricing.cost(of: jobRequest, model: slug)
        let queue = self.queue, limit = maxUnfinishedJobs
        let job = try await gate.withLock(apiKey.id) {
            let unfinished = try await queue.store.unfinishedJobCount(apiKeyID: apiKey.id)
            if unfinished >= limit {
                throw APIError(
                    status: 429,
                    message: "this API key already has \(unfinished) unfinished requests (at most \(limit)); wait for one to finish",
                    headers: ["Retry-After": "5"])
            }
            // A short balance (406) and a reused idempotency key (409) are answered as they are.
            return try await queue.submit(
                model: slug, request: jobRequest, apiKeyID: apiKey.id, cost: cost, webhookURL: webhookURL,
                idempotency: idempotency)
        }
        screening.submit(job)
        context.logger.info("accepted request \(job.id) for \(slug)")
        return job
    }

    /// The request's `Idempotency-Key` claim, if it sends one: the key, and a hash of the model
    /// and the JSON (keys in any order), so the same body is recognised.
    static func idempotency(_ request: Request, slug: String, json: JSONValue) throws -> JobQueue.Idempotency? {
        guard let key = request.headers[idempotencyHeader] else { return nil }
        guard !key.isEmpty, key.count <= maxIdempotencyKeyLength else {
            throw APIError.badRequest("Idempotency-Key must be 1 to \(maxIdempotencyKeyLength) characters")
        }
        let canonical = Data(slug.utf8) + json.encoded()
        let hash = Hex.string(SHA256.hash(data: canonical))
        return JobQueue.Idempotency(key: key, bodyHash: hash)
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
            _ = try await outboundPolicy.destination(for: url, field: "webhook")
        } catch let error as OutboundError {
            throw APIError.badRequest(error.description)
        }
        return raw
    }
}
