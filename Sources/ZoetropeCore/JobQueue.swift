import Foundation

/// The queue's operations on top of a `JobStore`: submitting (with inline inputs saved beside the
/// job before it is committed), and the input files' life cycle.
public struct JobQueue: Sendable {
    public let store: any JobStore
    /// Root directory of per-job input files.
    public let inputsRoot: URL
    /// How many times a job may be leased before an expired lease ends it FAILED.
    public let maxAttempts: Int

    public init(store: any JobStore, inputsRoot: URL, maxAttempts: Int = 3) {
        self.store = store
        self.inputsRoot = inputsRoot
        self.maxAttempts = maxAttempts
    }

    public func inputDirectory(for jobID: String) -> URL {
        inputsRoot.appendingPathComponent(jobID, isDirectory: true)
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
        var job = Job(
            apiKeyID: apiKeyID, model: model, request: request, maxAttempts: maxAttempts, cost: cost,
            webhookURL: webhookURL, createdAt: now)
        if let idempotency {
            let held = try await store.claimIdempotencyKey(
                idempotency.key, apiKeyID: apiKeyID, bodyHash: idempotency.bodyHash, requestID: job.id, now: now)
            if held.requestID != job.id {
                guard held.bodyHash == idempotency.bodyHash else {
                    throw APIError(
                        status: 409,
                        message: "Idempotency-Key '\(idempotency.key)' was already used with a different request body (request \(held.requestID))")
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
        let directory = inputDirectory(for: job.id)
        do {
            job.request = try storeInlineInputs(of: job.request, in: directory)
            try await store.insert(job)
        } catch {
            removeInputs(of: job.id)
            throw error
        }
        return job
    }

    public func removeInputs(of jobID: String) {
        try? FileManager.default.removeItem(at: inputDirectory(for: jobID))
    }

    private func storeInlineInputs(of request: JobRequest, in directory: URL) throws -> JobRequest {
        var counter = 0
        func store(_ input: MediaInput) throws -> MediaInput {
            guard case .inline(let data) = input else { return input }
            if counter == 0 {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            }
            counter += 1
            let name = "input-\(counter).bin"
            try data.write(to: directory.appendingPathComponent(name), options: .atomic)
            return .stored(name)
        }
        switch request {
        case .video(var video):
            video.startImage = try store(video.startImage)
            video.endImage = try video.endImage.map(store)
            video.elements = try video.elements.map { element in
                GenerationRequest.Element(
                    frontalImage: try element.frontalImage.map(store),
                    referenceImages: try element.referenceImages.map(store))
            }
            return .video(video)
        case .voice(var voice):
            voice.sample = try store(voice.sample)
            return .voice(voice)
        }
    }
}
