import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import ZoetropeCore

/// Render slots: each leases a job from the queue, heartbeats its lease while the engine renders,
/// reports progress, commits the output and completes or fails the job. On graceful shutdown
/// in-flight jobs are stopped and their leases released, so another process picks them up.
struct Runner: Service {
    let queue: JobQueue
    let engines: [String: any Engine]
    let blobs: any BlobStore
    let voices: any VoiceStore
    let concurrency: Int
    let leaseDuration: Double
    let pollInterval: Double
    let logger: Logger
    let ownerPrefix = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"

    func run() async throws {
        await withDiscardingTaskGroup { group in
            for slot in 0..<max(1, concurrency) {
                group.addTask { await self.slotLoop(slot) }
            }
        }
    }

    private func slotLoop(_ slot: Int) async {
        let owner = "\(ownerPrefix)-slot\(slot)"
        let models = Array(engines.keys)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let now = Date()
                for job in try await queue.store.failAbandoned(now: now) {
                    logger.warning("job \(job.id) failed: \(job.error ?? "")")
                    queue.removeInputs(of: job.id)
                }
                if let job = try await queue.store.lease(
                    models: models, owner: owner, expiresAt: now.addingTimeInterval(leaseDuration), now: now)
                {
                    try? await cancelWhenGracefulShutdown {
                        await self.process(job, owner: owner)
                    }
                    continue
                }
            } catch {
                logger.error("queue error: \(error)")
            }
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(for: .seconds(self.pollInterval))
            }
        }
    }

    /// Renders one leased job to the end: COMPLETED with its file, FAILED with a reason, or
    /// released back to the queue when this process is stopping.
    private func process(_ job: Job, owner: String) async {
        let store = queue.store
        var log = logger
        log[metadataKey: "request_id"] = .string(job.id)
        guard let engine = engines[job.model] else {
            _ = try? await store.fail(id: job.id, owner: owner, error: "no engine serves model '\(job.model)'", now: Date())
            return
        }
        log.info("job started (attempt \(job.attempts), \(job.request.summary))")
        let key = "\(job.id)-\(job.attempts).mp4"
        let progress = ProgressCell()
        let outcome: Result<EngineOutput, any Error>
        var temporary: URL?
        do {
            let file = try blobs.temporaryFile(for: key)
            temporary = file
            let context = RenderContext(
                jobID: job.id, inputDirectory: queue.inputDirectory(for: job.id), outputFile: file,
                progress: { progress.set($0) })
            let output = try await withThrowingTaskGroup(of: EngineOutput?.self) { group in
                group.addTask {
                    try await engine.run(job.request, context: context)
                }
                group.addTask {
                    try await self.keepLease(job.id, owner: owner, progress: progress)
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first
            }
            guard let output else { throw CancellationError() }
            outcome = .success(output)
        } catch {
            outcome = .failure(error)
        }

        let now = Date()
        switch outcome {
        case .success(.voice(var voice)):
            if let temporary { try? FileManager.default.removeItem(at: temporary) }
            do {
                voice.apiKeyID = job.apiKeyID
                voice.createdAt = now
                try await voices.saveVoice(voice)
                let result: JSONValue = ["voice_id": .string(voice.id), "voice_name": .string(voice.name)]
                if try await store.complete(id: job.id, owner: owner, outputKey: nil, result: result, now: now) {
                    log.info("voice \(voice.id) created (\(voice.pitchHz) Hz, \(voice.espeakVariant) p\(voice.espeakPitch) s\(voice.wordsPerMinute))")
                } else {
                    // The voice id follows from the job, so whichever attempt completes reports this voice.
                    log.warning("voice made after the job's lease was lost or it expired")
                }
            } catch {
                log.error("could not store the voice: \(error)")
                _ = try? await store.fail(id: job.id, owner: owner, error: "could not store the voice", now: now)
            }
            queue.removeInputs(of: job.id)
        case .success(.video):
            do {
                try await blobs.commit(temporaryFile: temporary!, key: key)
                if try await store.complete(id: job.id, owner: owner, outputKey: key, result: nil, now: now) {
                    log.info("job completed in \(String(format: "%.2f", now.timeIntervalSince(job.startedAt ?? now))) s")
                    queue.removeInputs(of: job.id)
                } else {
                    log.warning("job finished after its lease was lost or it expired; output discarded")
                    try? await blobs.delete(key: key)
                }
            } catch {
                log.error("could not store the output: \(error)")
                if let temporary { try? FileManager.default.removeItem(at: temporary) }
                try? await blobs.delete(key: key)
                _ = try? await store.fail(id: job.id, owner: owner, error: "could not store the output video", now: now)
                queue.removeInputs(of: job.id)
            }
        case .failure(let error):
            if let temporary { try? FileManager.default.removeItem(at: temporary) }
            if error is LeaseLost {
                if (try? await store.job(id: job.id))?.status == .cancelled {
                    log.info("job cancelled; render stopped, nothing kept")
                    queue.removeInputs(of: job.id)
                } else {
                    log.warning("lease lost; another runner owns the job now")
                }
                return
            }
            if error is CancellationError || Task.isCancelled {
                // A fresh task: this one is cancelled, and the store refuses work from cancelled tasks.
                await Task { try? await store.release(id: job.id, owner: owner, now: now) }.value
                log.info("stopping: job released back to the queue")
                return
            }
            let message = (error as? RenderError)?.message ?? "internal error while rendering: \(error)"
            log.info("job failed: \(message)")
            _ = try? await store.fail(id: job.id, owner: owner, error: message, now: now)
            queue.removeInputs(of: job.id)
        }
    }

    /// Writes progress twice a second and extends the lease every third of its length. Throws
    /// `LeaseLost` when the lease is no longer ours (cancelled, or expired and taken by another
    /// runner), which stops the render and its ffmpeg.
    private func keepLease(_ id: String, owner: String, progress: ProgressCell) async throws {
        var lastBeat = Date()
        while true {
            try await Task.sleep(for: .milliseconds(500))
            let now = Date()
            // Every tick: a cancelled job (or one another runner took) stops within half a second.
            let current = progress.get()
            guard try await queue.store.updateProgress(id: id, owner: owner, progress: current, now: now) else {
                throw LeaseLost()
            }
            if now.timeIntervalSince(lastBeat) >= leaseDuration / 3 {
                guard try await queue.store.heartbeat(
                    id: id, owner: owner, expiresAt: now.addingTimeInterval(leaseDuration), now: now)
                else { throw LeaseLost() }
                lastBeat = now
            }
        }
    }
}

/// The runner no longer holds the job's lease.
struct LeaseLost: Error {}

/// The latest progress fraction, written by the render thread and read by the heartbeat task.
final class ProgressCell: Sendable {
    private let value = Mutex<Double>(0)
    func set(_ fraction: Double) { value.withLock { $0 = fraction } }
    func get() -> Double { value.withLock { $0 } }
}
