import Foundation
import Hummingbird
import Logging
import ZoetropeCore
import ZoetropeWorker

/// The worker protocol's gateway side (`/v1/worker/…`, worker tokens only): long-poll leases
/// with signed input and upload links, heartbeats with progress, completion, failure and
/// hand-back. Each call acts on the store through a `StoreLease` owned by the calling token and
/// worker id, so a worker that lost its lease (cancelled, or expired and taken by another
/// worker) changes nothing and is told so with a 409. An uploaded video is checked before its job
/// completes; one that is not the video asked for is deleted, and its attempt fails with a 422.
struct WorkerController {
    let desk: LeaseDesk
    let voices: any VoiceStore
    let catalog: ModelCatalog
    let uploadCheck: UploadedVideoCheck
    var queue: JobQueue { desk.queue }
    var leaseDuration: Double { desk.leaseDuration }
    var metrics: GatewayMetrics { desk.metrics }
    /// How long signed input and upload links stay valid, in seconds.
    let linkLifetime: Double = 6 * 3600
    /// The longest a lease request may be held open, in seconds.
    static let maxWait: Double = 30
    /// The largest body a worker call may send, in bytes.
    static let maxBodyBytes = 4 * 1024 * 1024

    func addRoutes(to group: RouterGroup<ZoetropeRequestContext>) {
        group.post("/v1/worker/lease") { request, context in try await lease(request, context: context) }
        group.post("/v1/worker/jobs/{id}/heartbeat") { request, context in
            let beat = try await Self.decode(WorkerProtocol.Heartbeat.self, request)
            guard beat.progress.isFinite, (0...1).contains(beat.progress) else {
                throw APIError.badRequest("progress must be between 0 and 1, got \(beat.progress)")
            }
            let lease = try await storeLease(context: context, workerID: beat.workerID)
            guard let expires = try await lease.heartbeat(progress: beat.progress, extendAlways: true) else {
                throw try await leaseLost(lease.job.id)
            }
            return try Self.answer(
                WorkerProtocol.LeaseExtension(leaseExpiresAt: expires.timeIntervalSince1970, leaseSeconds: leaseDuration))
        }
        group.post("/v1/worker/jobs/{id}/complete") { request, context in
            let completion = try await Self.decode(WorkerProtocol.Completion.self, request)
            let stages = completion.stageTimes()
            let lease = try await storeLease(context: context, workerID: completion.workerID)
            // A lease this worker does not hold is lost, whatever the body says.
            guard lease.job.status == .processing, lease.job.leaseOwner == lease.owner else {
                throw try await leaseLost(lease.job.id)
            }
            let completed: Bool
            if let voice = completion.voice {
                completed = try await lease.complete(voice: voice.profile)
            } else {
                // The upload is part of the lease's state: a missing or other key is a conflict with it.
                guard completion.outputKey == lease.outputKey else {
                    throw APIError(status: 409, message: "output_key must be the lease's upload key '\(lease.outputKey)'")
                }
                guard let byteCount = await queue.blobs.size(key: lease.outputKey) else {
                    throw APIError(status: 409, message: "no video was uploaded to '\(lease.outputKey)'; PUT it to the lease's upload URL first")
                }
                if let request = lease.job.request.video {
                    // The check downloads and decodes the video: a fresh lease covers it.
                    guard try await lease.heartbeat(progress: 1, extendAlways: true) != nil else {
                        throw try await leaseLost(lease.job.id)
                    }
                    if let problem = try await uploadCheck.problem(
                        withUpload: lease.outputKey, byteCount: byteCount, in: queue.blobs, for: request)
                    {
                        throw try await refuseUpload(lease, problem: problem, context: context)
                    }
                }
                completed = try await lease.completeStoredVideo(stages: stages)
            }
            guard completed else { throw try await leaseLost(lease.job.id) }
            metrics.finished(lease.job, outcome: .completed)
            context.logger.info("request \(lease.job.id) completed by worker \(completion.workerID)")
            return try Self.answer(WorkerProtocol.JobState(id: lease.job.id, status: .completed))
        }
        group.post("/v1/worker/jobs/{id}/fail") { request, context in
            let failure = try await Self.decode(WorkerProtocol.Failure.self, request)
            let raw = failure.error ?? ""
            guard !raw.isEmpty else { throw APIError.badRequest("error is required: the reason the job failed") }
            let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            let message = trimmed.isEmpty ? raw : trimmed
            let lease = try await storeLease(context: context, workerID: failure.workerID)
            guard try await lease.failIfHeld(String(message.prefix(2000))) else { throw try await leaseLost(lease.job.id) }
            metrics.finished(lease.job, outcome: .failed)
            return try Self.answer(WorkerProtocol.JobState(id: lease.job.id, status: .failed))
        }
        group.post("/v1/worker/jobs/{id}/release") { request, context in
            let failure = try await Self.decode(WorkerProtocol.Failure.self, request)
            let lease = try await storeLease(context: context, workerID: failure.workerID)
            await lease.release()
            return try Self.answer(WorkerProtocol.JobState(id: lease.job.id, status: .queued))
        }
    }

    private func lease(_ request: Request, context: ZoetropeRequestContext) async throws -> Response {
        let data = try await Self.body(request)
        // The version first: an older worker is told to upgrade, not which field it lacks.
        if case .object(let fields) = try JSONValue.parse(data),
            let refusal = WorkerProtocol.versionRefusal(fields["protocol_version"])
        {
            throw APIError.badRequest(refusal)
        }
        let body = try Self.decode(WorkerProtocol.LeaseRequest.self, data)
        let token = try context.requireAPIKey()
        let owner = try Self.owner(token: token, workerID: body.workerID)
        guard !body.models.isEmpty else { throw APIError.badRequest("models must list at least one model slug") }
        for model in body.models where catalog.model(slug: model) == nil {
            throw APIError.badRequest("unknown model '\(model)'; known: \(catalog.models.map(\.slug).joined(separator: ", "))")
        }
        let wait = body.waitSeconds ?? 0
        guard wait.isFinite, (0...Self.maxWait).contains(wait) else {
            throw APIError.badRequest("wait_seconds must be between 0 and \(Int(Self.maxWait))")
        }
        let deadline = Date().addingTimeInterval(wait)
        while true {
            let now = Date()
            if let job = try await desk.lease(models: body.models, owner: owner, now: now) {
                context.logger.info("request \(job.id) leased to worker \(body.workerID) (attempt \(job.attempts))")
                return try assignment(for: job, now: now)
            }
            let remaining = deadline.timeIntervalSince(now)
            if remaining <= 0 || Task.isCancelled { return Response(status: .noContent) }
            // Woken at once by a new job; looks again at least every second for expired leases.
            await queue.store.waitForWork(timeout: .milliseconds(Int(min(remaining, 1) * 1000)))
        }
    }

    private func assignment(for job: Job, now: Date) throws -> Response {
        let expires = now.addingTimeInterval(linkLifetime)
        var upload: WorkerProtocol.Upload?
        if catalog.model(slug: job.model)?.makesVideo == true {
            let key = BlobKey.output(jobID: job.id, attempt: job.attempts)
            upload = WorkerProtocol.Upload(url: queue.blobs.signedUploadURL(key: key, expires: expires), key: key)
        }
        let assignment = WorkerProtocol.Assignment.make(
            job: job, leaseSeconds: leaseDuration,
            leaseExpiresAt: (job.leaseExpiresAt ?? now.addingTimeInterval(leaseDuration)).timeIntervalSince1970,
            upload: upload
        ) { name in
            queue.blobs.signedURL(key: BlobKey.input(jobID: job.id, name: name), expires: expires)
        }
        return try Self.answer(assignment)
    }

    /// A protocol message as the JSON answer.
    static func answer(_ message: some Encodable) throws -> Response {
        try JSONResponse.make(encoding: message)
    }

    private func storeLease(context: ZoetropeRequestContext, workerID: String) async throws -> StoreLease {
        let owner = try Self.owner(token: try context.requireAPIKey(), workerID: workerID)
        let id = context.parameters.get("id") ?? ""
        guard let job = try await queue.store.job(id: id) else { throw APIError.notFound("no request with id '\(id)'") }
        return StoreLease(job: job, owner: owner, queue: queue, voices: voices, leaseDuration: leaseDuration)
    }

    /// 422 for an upload that is not the video asked for: the upload is deleted and the attempt
    /// ends failed (the job is queued again, or ends FAILED with `problem` after its last attempt).
    private func refuseUpload(_ lease: StoreLease, problem: String, context: ZoetropeRequestContext) async throws -> APIError {
        try? await queue.blobs.delete(key: lease.outputKey)
        guard let job = try await lease.failAttempt(problem) else { return try await leaseLost(lease.job.id) }
        if job.status == .failed { metrics.finished(job, outcome: .failed) }
        let outcome = job.status == .failed ? "the request failed" : "the request is queued again"
        context.logger.warning("request \(job.id): upload of attempt \(lease.job.attempts) refused, \(outcome): \(problem)")
        return APIError(status: 422, message: problem)
    }

    /// 409: the lease is not (or no longer) this worker's; the body says the job's state.
    private func leaseLost(_ id: String) async throws -> APIError {
        let status = try await queue.store.job(id: id)?.status.rawValue ?? "EXPIRED"
        return APIError(status: 409, message: "lease lost: request \(id) is \(status) and not leased to this worker; stop working on it")
    }

    static func owner(token: APIKey, workerID: String) throws -> String {
        guard !workerID.isEmpty, workerID.count <= 200,
            workerID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) })
        else { throw APIError.badRequest("worker_id must be 1 to 200 letters, digits, '-', '_', '.' or ':'") }
        return WorkerProtocol.owner(tokenID: token.id, workerID: workerID)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        try decode(type, try await body(request))
    }

    static func body(_ request: Request) async throws -> Data {
        try JSONContentType.check(request.headers[.contentType])
        return Data(buffer: try await request.body.collect(upTo: maxBodyBytes))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
        // Exact bodies, as the schemas say: an unknown field is refused by name, not ignored.
        if let schema = (T.self as? any WorkerProtocolMessage.Type)?.jsonSchema, case .object(let properties)? = schema["properties"],
            schema["additionalProperties"] == false, case .object(let fields)? = try? JSONValue.parse(data)
        {
            let unknown = fields.keys.filter { properties[$0] == nil }.sorted()
            if !unknown.isEmpty { throw APIError.badRequest("unknown field(s): \(NameList.brief(unknown))") }
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw APIError.badRequest("invalid body: \(Self.describe(error))")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "\(key.stringValue) is required"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
        case .dataCorrupted(let context): context.debugDescription
        @unknown default: "\(error)"
        }
    }
}
