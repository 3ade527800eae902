import Foundation
import Logging
import Synchronization
import ZoetropeCore
import ZoetropeMedia

/// Runs one leased job to its end: downloads its inputs, runs the engine while heartbeating the
/// lease with progress, then completes it with its output, fails it with a reason, or hands it
/// back when the process is stopping. Shared by the gateway's render slots and remote workers.
///
/// While the database (or, for a remote worker, the gateway) is unavailable the render goes on:
/// missed heartbeats are only logged, and the finished work is reported again and again until it
/// is recorded or `reportPatience` runs out.
public struct JobExecutor: Sendable {
    public let engines: [String: any Engine]
    /// Where each job gets a scratch directory for its inputs and output.
    public let workDirectory: URL
    /// How often progress is reported (and the lease kept alive).
    public let heartbeatInterval: Duration
    /// How long a finished job's result is offered to an unavailable store before it is given up
    /// (the job is then retried once its lease expires).
    public let reportPatience: Duration
    /// How long a render's progress may stand still before the render is given up (nil: never).
    public let stallLimit: Duration?
    public let logger: Logger
    /// Told where a completed video's time went, stage by stage (for the gateway's metrics).
    public let stagesObserver: @Sendable (StageTimes) -> Void

    public init(
        engines: [String: any Engine], workDirectory: URL, heartbeatInterval: Duration,
        reportPatience: Duration = .seconds(600), stallLimit: Duration? = nil, logger: Logger,
        stagesObserver: @escaping @Sendable (StageTimes) -> Void = { _ in }
    ) {
        self.engines = engines
        self.workDirectory = workDirectory
        self.heartbeatInterval = heartbeatInterval
        self.reportPatience = reportPatience
        self.stallLimit = stallLimit
        self.logger = logger
        self.stagesObserver = stagesObserver
    }

    /// The `stallLimit` of the gateway's render slots and of remote workers: a 15 s 1080p render
    /// moves its progress every frame, and its slowest silent step (the encoder's finish) takes
    /// seconds.
    public static let defaultStallLimit: Duration = .seconds(120)

    /// How a job ended in this process.
    public enum Outcome: Sendable, Equatable {
        /// `stalled`: the render's progress stood still for `stallLimit`; it was given up without
        /// waiting for it, and the job left to its lease's expiry (another attempt, or FAILED once
        /// its attempts are spent).
        case completed, failed, cancelled, leaseLost, released, stalled
    }

    @discardableResult
    public func execute(_ lease: some JobLease) async -> Outcome {
        let job = lease.job
        var log = logger
        log[metadataKey: "request_id"] = .string(job.id)
        guard let engine = engines[job.model] else {
            await lease.fail("no engine serves model '\(job.model)'")
            return .failed
        }
        log.info("job started (attempt \(job.attempts), \(job.request.summary))")
        let started = ContinuousClock.now
        let scratch = workDirectory.appendingPathComponent("\(job.id)-\(job.attempts)-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let progress = ProgressCell()
        let outcome: Result<EngineOutput, any Error>
        let outputFile = scratch.appendingPathComponent("output.mp4")
        let stages = StageTimes()
        do {
            let inputs = scratch.appendingPathComponent("inputs", isDirectory: true)
            try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
            try await lease.downloadInputs(to: inputs)
            let context = RenderContext(
                jobID: job.id, inputDirectory: inputs, outputFile: outputFile, progress: { progress.set($0) },
                submittedAt: job.createdAt, upstream: job.upstream,
                recordUpstream: { guard try await lease.recordUpstream($0) else { throw LeaseLost() } },
                stages: stages)
            outcome = .success(try await heartbeating(lease, progress: progress, stallLimit: stallLimit) {
                try await engine.run(job.request, context: context)
            })
        } catch {
            outcome = .failure(error)
        }

        switch outcome {
        case .success(.voice(let voice)):
            do {
                guard try await reported("the voice", log: log, { try await lease.complete(voice: voice) }) else {
                    log.warning("voice made after the job's lease was lost")
                    return .leaseLost
                }
                log.info("voice \(voice.id) created (\(voice.pitchHz) Hz, \(voice.espeakVariant) p\(voice.espeakPitch) s\(voice.wordsPerMinute))")
                return .completed
            } catch let error as StoreUnavailable {
                log.error("the finished voice could not be reported: \(error)")
                return .leaseLost
            } catch {
                log.error("could not store the voice: \(error)")
                await lease.fail("could not store the voice")
                return .failed
            }
        case .success(.video):
            do {
                let reportLog = log
                let stored = try await heartbeating(lease, progress: progress) {
                    try await reported("the video", log: reportLog) { try await lease.complete(video: outputFile, stages: stages) }
                }
                guard stored else {
                    log.warning("job finished after its lease was lost or it expired; output discarded")
                    return .leaseLost
                }
                log.info("job completed in \(String(format: "%.2f", (ContinuousClock.now - started).inSeconds)) s (\(stages.summary))")
                stagesObserver(stages)
                return .completed
            } catch let error as StoreUnavailable {
                log.error("the finished video could not be reported: \(error)")
                return .leaseLost
            } catch is LeaseLost {
                log.warning("lease lost while the video was being stored; another worker owns the job now")
                return .leaseLost
            } catch {
                log.error("could not store the output: \(error)")
                await lease.fail("could not store the output video: \(Self.storageReason(error))")
                return .failed
            }
        case .failure(let error as RenderStalled):
            let children = ChildProcesses.describe()
            log.error("""
                \(error); given up, the job is left to its lease's expiry (stages done: \(stages.summary.isEmpty ? "none" : stages.summary); \
                programs still there: \(children.isEmpty ? "none" : children.joined(separator: " | ")))
                """)
            return .stalled
        case .failure(let error):
            if error is LeaseLost {
                if await lease.wasCancelled() {
                    log.info("job cancelled; render stopped, nothing kept")
                    return .cancelled
                }
                log.warning("lease lost; another worker owns the job now")
                return .leaseLost
            }
            if error is CancellationError || Task.isCancelled {
                // A fresh task: this one is cancelled, and stores refuse work from cancelled tasks.
                await Task { await lease.release() }.value
                log.info("stopping: job released back to the queue")
                return .released
            }
            let message = Self.failureReason(error)
            log.info("job failed: \(message)")
            await lease.fail(message)
            return .failed
        }
    }

    /// `work`'s result (a render, or storing its video: an upload to a slow bucket can take longer
    /// than a lease), with the lease kept alive beside it. A lost lease (or the process stopping)
    /// cancels the work and waits for it to stop; work whose progress stood still for
    /// `stallLimit` is cancelled and not waited for (its thread may be stuck in a call that never
    /// returns): `RenderStalled`.
    private func heartbeating<T: Sendable>(
        _ lease: some JobLease, progress: ProgressCell, stallLimit: Duration? = nil,
        _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let working = Task { try await work() }
        let watch = Task<T, any Error> {
            try await self.keepLease(lease, progress: progress, stallLimit: stallLimit)
            throw CancellationError()
        }
        let first = await withTaskCancellationHandler {
            await FirstResult.of(working, watch)
        } onCancel: {
            working.cancel()
            watch.cancel()
        }
        watch.cancel()
        _ = await watch.result  // no heartbeat goes out after the job's answer
        switch first {
        case .success(let result):
            return result
        case .failure(let error as RenderStalled):
            working.cancel()
            throw error
        case .failure(let error):
            working.cancel()
            _ = await working.result  // the render (and its ffmpeg) stops before the job's files go
            throw error
        }
    }

    /// Reports progress every `heartbeatInterval`; throws `LeaseLost` when the lease is no longer
    /// ours, which stops the render (and its ffmpeg), and `RenderStalled` when the progress has
    /// not moved for `stallLimit`. A heartbeat the store cannot take now is logged and the render
    /// goes on.
    private func keepLease(_ lease: some JobLease, progress: ProgressCell, stallLimit: Duration?) async throws {
        var watch = stallLimit.map { StallWatch(limit: $0, progress: progress.get(), at: .now) }
        while true {
            try await Task.sleep(for: heartbeatInterval)
            if let limit = watch?.limit, watch?.isStalled(progress: progress.get(), at: .now) == true {
                throw RenderStalled(limit: limit)
            }
            do {
                guard try await lease.heartbeat(progress: progress.get()) else { throw LeaseLost() }
            } catch let error as StoreUnavailable {
                logger.warning("heartbeat not recorded, rendering on: \(error)", metadata: ["request_id": .string(lease.job.id)])
            }
        }
    }

    /// `report`'s answer, asked again with a growing pause (0.25 s doubling to 1 s) while it
    /// throws `StoreUnavailable`, for up to `reportPatience`.
    private func reported<T>(_ what: String, log: Logger, _ report: @Sendable () async throws -> T) async throws -> T {
        let deadline = ContinuousClock.now + reportPatience
        var pause = Duration.milliseconds(250)
        while true {
            do {
                return try await report()
            } catch let error as StoreUnavailable {
                guard ContinuousClock.now + pause < deadline, !Task.isCancelled else { throw error }
                log.warning("\(what) is finished but not recorded yet (\(error)); trying again in \(pause)")
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(1))
            }
        }
    }

    /// The reason a client sees for a failed render: the engine's own, "no space left" when a
    /// disk filled up, and otherwise an internal error.
    static func failureReason(_ error: any Error) -> String {
        if let reason = DiskFull.reason(error) { return reason }
        return (error as? RenderError)?.message ?? "internal error while rendering: \(error)"
    }

    /// Why the output could not be stored, fit for a client.
    static func storageReason(_ error: any Error) -> String {
        if let reason = DiskFull.reason(error) { return reason }
        return (error as? RenderError)?.message ?? "\(error)"
    }
}

/// A render whose progress stood still for `limit`.
struct RenderStalled: Error, CustomStringConvertible {
    let limit: Duration
    var description: String { "the render made no progress for \(limit.inSeconds.formatted()) s" }
}

/// The result of whichever of two tasks ends first, without waiting for the other.
enum FirstResult {
    static func of<T: Sendable>(_ tasks: Task<T, any Error>...) async -> Result<T, any Error> {
        let claimed = Claim()
        return await withCheckedContinuation { continuation in
            for task in tasks {
                Task {
                    let result = await task.result
                    if claimed.take() { continuation.resume(returning: result) }
                }
            }
        }
    }

    /// True for the first caller of `take()` only.
    private final class Claim: Sendable {
        private let taken = Mutex(false)
        func take() -> Bool { taken.withLock { taken in defer { taken = true }; return !taken } }
    }
}

/// The latest progress fraction, written by the render thread and read by the heartbeat task.
final class ProgressCell: Sendable {
    private let value = Mutex<Double>(0)
    func set(_ fraction: Double) { value.withLock { $0 = fraction } }
    func get() -> Double { value.withLock { $0 } }
}
