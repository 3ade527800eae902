import Foundation
import Synchronization
import ZoetropeCore
import ZoetropeMedia

/// A lease held directly on the store: a gateway's own render slot, or the gateway acting for a
/// remote worker that reports over the worker protocol. Every change is checked against the
/// lease's owner, so a holder that lost its lease changes nothing.
public struct StoreLease: JobLease {
    public let job: Job
    public let owner: String
    public let queue: JobQueue
    public let voices: any VoiceStore
    /// How long the lease lasts from each extension, in seconds.
    public let leaseDuration: Double
    private let lastExtension: LastExtension

    public init(job: Job, owner: String, queue: JobQueue, voices: any VoiceStore, leaseDuration: Double) {
        self.job = job
        self.owner = owner
        self.queue = queue
        self.voices = voices
        self.leaseDuration = leaseDuration
        self.lastExtension = LastExtension()
    }

    /// The blob the job's video goes to, for this attempt.
    public var outputKey: String { BlobKey.output(jobID: job.id, attempt: job.attempts) }

    public func downloadInputs(to directory: URL) async throws {
        try await queue.download(inputsOf: job, to: directory)
    }

    /// Records progress on every call; extends the lease when a third of it has passed (or on
    /// every call with `extendAlways`, as the worker protocol's heartbeats do).
    public func heartbeat(progress: Double) async throws -> Bool {
        try await heartbeat(progress: progress, extendAlways: false) != nil
    }

    /// Returns the lease's expiry, nil when the lease is lost.
    public func heartbeat(progress: Double, extendAlways: Bool) async throws -> Date? {
        let now = Date()
        guard try await queue.store.updateProgress(id: job.id, owner: owner, progress: progress, now: now) else {
            return nil
        }
        let last = lastExtension.date.withLock { $0 }
        let expires = now.addingTimeInterval(leaseDuration)
        if extendAlways || now.timeIntervalSince(last) >= leaseDuration / 3 {
            guard try await queue.store.heartbeat(id: job.id, owner: owner, expiresAt: expires, now: now) else {
                return nil
            }
            lastExtension.date.withLock { $0 = now }
            return expires
        }
        return last.addingTimeInterval(leaseDuration)
    }

    /// Stores the video, and the PNG of its last frame beside it, once (a call repeated because
    /// the database was unavailable finds them stored and only completes the job).
    public func complete(video file: URL, stages: StageTimes) async throws -> Bool {
        try await stages.measure("upload") { try await store(video: file) }
        return try await completeStoredVideo(stages: stages.json)
    }

    /// Stores the video and its last frame's PNG, unless an earlier call did.
    private func store(video file: URL) async throws {
        if !lastExtension.outputStored.withLock({ $0 }) {
            // A file that is no video (a test engine's) simply has no last frame.
            let lastFrame = try? await ProcessRunner.onDedicatedThread { try LastFrame.png(of: file) }
            do {
                try await queue.blobs.commit(temporaryFile: file, key: outputKey)
            } catch {
                try? FileManager.default.removeItem(at: file)
                throw error
            }
            if let lastFrame { try? await queue.blobs.put(lastFrame, key: BlobKey.lastFrame(ofOutput: outputKey)) }
            lastExtension.outputStored.withLock { $0 = true }
        }
    }

    /// Completes the job with the video already stored under `outputKey` and where its time went;
    /// deletes the video when the lease was lost.
    public func completeStoredVideo(stages: JSONValue?) async throws -> Bool {
        guard try await queue.store.complete(
            id: job.id, owner: owner, outputKey: outputKey, result: nil, stages: stages, now: Date())
        else {
            try? await queue.blobs.delete(key: outputKey)
            try? await queue.blobs.delete(key: BlobKey.lastFrame(ofOutput: outputKey))
            return false
        }
        await queue.removeInputs(of: job)
        return true
    }

    public func complete(voice: VoiceProfile) async throws -> Bool {
        var voice = voice
        // The voice id follows from the job, so whichever attempt completes reports this voice.
        voice.id = VoiceProfile.voiceID(jobID: job.id)
        voice.apiKeyID = job.apiKeyID
        voice.createdAt = Date()
        try await voices.saveVoice(voice)
        let result: JSONValue = ["voice_id": .string(voice.id), "voice_name": .string(voice.name)]
        guard try await queue.store.complete(id: job.id, owner: owner, outputKey: nil, result: result, now: Date())
        else { return false }
        await queue.removeInputs(of: job)
        return true
    }

    public func fail(_ message: String) async {
        _ = try? await failIfHeld(message)
    }

    /// Ends the job FAILED and deletes its inputs; false when the lease is no longer this owner's.
    public func failIfHeld(_ message: String) async throws -> Bool {
        guard try await queue.store.fail(id: job.id, owner: owner, error: message, now: Date()) else { return false }
        await queue.removeInputs(of: job)
        return true
    }

    /// Ends this attempt as failed (its upload was refused): the job is queued again when attempts
    /// are left, and otherwise ends FAILED with `message` and its inputs are deleted. Returns the
    /// job as it is now; nil when the lease is no longer this owner's.
    public func failAttempt(_ message: String) async throws -> Job? {
        guard let ended = try await queue.store.failAttempt(id: job.id, owner: owner, error: message, now: Date())
        else { return nil }
        if ended.status == .failed { await queue.removeInputs(of: ended) }
        return ended
    }

    public func release() async {
        try? await queue.store.release(id: job.id, owner: owner, now: Date())
    }

    public func recordUpstream(_ upstream: UpstreamRequest) async throws -> Bool {
        try await queue.store.recordUpstream(id: job.id, owner: owner, upstream: upstream, now: Date())
    }

    public func wasCancelled() async -> Bool {
        guard (try? await queue.store.job(id: job.id))?.status == .cancelled else { return false }
        await queue.removeInputs(of: job)
        return true
    }
}

/// When a lease was last extended, and whether its video is stored (shared by copies of the lease).
private final class LastExtension: Sendable {
    let date = Mutex(Date())
    let outputStored = Mutex(false)
}
