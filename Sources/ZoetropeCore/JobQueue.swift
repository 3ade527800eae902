import Foundation

/// The queue's operations on top of a `JobStore`: submitting (with inline inputs stored in the
/// blob store before the job is committed, so any gateway or worker can reach them), and the
/// inputs' life cycle.
public struct JobQueue: Sendable {
    public let store: any JobStore
    /// Where inline inputs are kept (`BlobKey.input`).
    public let blobs: any BlobStore
    /// How many times a job may be leased before an expired lease ends it FAILED.
    public let maxAttempts: Int
    /// How long the content policy's screen of a new job may take before another gateway takes
    /// it over; nil: jobs are committed already passed (no screen runs).
    public let screeningBudget: Duration?

    public init(store: any JobStore, blobs: any BlobStore, maxAttempts: Int = 3, screeningBudget: Duration? = nil) {
        self.store = store
        self.blobs = blobs
        self.maxAttempts = maxAttempts
        self.screeningBudget = screeningBudget
    }

    /// An `Idempotency-Key` sent with a submit, and the hash of the body it came with.
    public struct Idempotency: Sendable {
        public var key: String
        public var bodyHash: String
        public init(key: String, bodyHash: String) {
            self.key = key
            self.bodyHash = bodyHash
        }
    }

    /// How long an idempotency key keeps answering with its request.
    public static let idempotencyWindow: Double = 24 * 3600

    /// Saves inline inputs (images, voice samples) as files, then commits the job. Nothing is left behind if either fails.
    /// With an idempotency key already used for the same body, returns that earlier request
    /// instead (its current row, or a QUEUED stand-in when it has expired); the same key with
    /// another body is a 409.
    public func submit(
        model: String, request: JobRequest, apiKeyID: String, cost: Credits = .zero, webhookURL: String? = nil,
        idempotency: Idempotency? = nil, now: Date = Date()
    ) async throws -> Job {
        let job = Job(
            apiKeyID: apiKeyID, model: model, request: request, maxAttempts: maxAttempts, cost: cost,
            webhookURL: webhookURL, screenUntil: screeningBudget.map { now.addingTimeInterval($0.inSeconds) },
            createdAt: now)
        if let idempotency {
            let held = try await store.claimIdempotencyKey(
                idempotency.key, apiKeyID: apiKeyID, bodyHash: idempotency.bodyHash, requestID: job.id, now: now)
            if held.requestID != job.id {
                guard held.bodyHash == idempotency.bodyHash else {
                    throw IdempotencyConflict(key: idempotency.key, requestID: held.requestID)
                }
                if let earlier = try await store.job(id: held.requestID) { return earlier }
                var standIn = job
                standIn.id = held.requestID
                return standIn
            }
            do {
                return try await commit(job)
            } catch {
                try? await store.releaseIdempotencyKey(idempotency.key, apiKeyID: apiKeyID, requestID: job.id)
                throw error
            }
        }
        return try await commit(job)
    }

    private func commit(_ job: Job) async throws -> Job {
        var job = job
        let (request, inline) = Self.naming(inlineInputsOf: job.request)
        job.request = request
        do {
            for (name, data) in inline {
                do {
                    try await blobs.put(data, key: BlobKey.input(jobID: job.id, name: name))
                } catch {
                    throw StoreUnavailable(
                        part: "storage", reason: DiskFull.reason(error) ?? "the request's inputs could not be stored")
                }
            }
            try await store.insert(job)
        } catch {
            await removeInputs(of: job)
            throw error
        }
        return job
    }

    /// Deletes the job's stored inputs (once it has ended, or was never committed).
    public func removeInputs(of job: Job) async {
        for name in job.request.storedInputNames {
            try? await blobs.delete(key: BlobKey.input(jobID: job.id, name: name))
        }
    }

    /// Copies the job's stored inputs into `directory` under their names, for an engine.
    public func download(inputsOf job: Job, to directory: URL) async throws {
        let names = job.request.storedInputNames
        guard !names.isEmpty else { return }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for name in names {
            do {
                try await blobs.download(
                    key: BlobKey.input(jobID: job.id, name: name), to: directory.appendingPathComponent(name))
            } catch is BlobNotFound {
                throw RenderError("the request's input '\(name)' is no longer stored")
            }
        }
    }

    /// The request with each inline input replaced by a stored name, and the bytes to store under each name.
    static func naming(inlineInputsOf request: JobRequest) -> (JobRequest, [(String, Data)]) {
        var inline: [(String, Data)] = []
        func name(_ input: MediaInput) -> MediaInput {
            guard case .inline(let data) = input else { return input }
            let name = "input-\(inline.count + 1).bin"
            inline.append((name, data))
            return .stored(name)
        }
        switch request {
        case .video(let video):
            return (.video(video.mappingImageInputs { _, input in name(input) }), inline)
        case .voice(var voice):
            voice.sample = name(voice.sample)
            return (.voice(voice), inline)
        }
    }
}
