import Foundation
import Logging
import Synchronization
import ZoetropeCore

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
    public let logger: Logger
    /// Told where a completed video's time went, stage by stage (for the gateway's metrics).
    public let stagesObserver: @Sendable (StageTimes) -> Void

    public init(
        engines: [String: any Engine], workDirectory: URL, heartbeatInterval: Duration,
        reportPatience: Duration = .seconds(600), logger: Logger,
        stagesObserver: @escaping @Sendable (StageTimes) -> Void = { _ in }
    ) {
        self.engines = engines
        self.workDirectory = workDirectory
        self.heartbeatInterval = heartbeatInterval
        self.reportPatience = reportPatience
        self.logger = logger
        self.stagesObserver = stagesObserver
    }

    /// How a job ended in this process.
    public enum Outcome: Sendable, Equatable {
        case completed, failed, cancelled, leaseLost, released
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
            let output = try await withThrowingTaskGroup(of: EngineOutput?.self) { group in
                group.addTask {
                    try await engine.run(job.request, context: context)
                }
                group.addTask {
                    try await self.keepLease(lease, progress: progress)
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

    /// Reports progress every `heartbeatInterval`; throws `LeaseLost` when the lease is no longer
    /// ours, which stops the render (and its ffmpeg). A heartbeat the store cannot take now is
    /// logged and the render goes on.
    private func keepLease(_ lease: some JobLease, progress: ProgressCell) async throws {
        while true {
            try await Task.sleep(for: heartbeatInterval)
            do {
                guard try await lease.heartbeat(progress: progress.get()) else { throw LeaseLost() }
            } catch let error as StoreUnavailable {
                logger.warning("heartbeat not recorded, rendering on: \(error)", metadata: ["request_id": .string(lease.job.id)])
            }
        }
    }

    /// `work`'s result, with the lease kept alive beside it (an upload to a slow bucket can take
    /// longer than a lease); throws `LeaseLost` if the lease is lost meanwhile.
    private func heartbeating<T: Sendable>(
        _ lease: some JobLease, progress: ProgressCell, _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await self.keepLease(lease, progress: progress)
                return nil
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let result { return result }
            }
            throw LeaseLost()
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

/// The latest progress fraction, written by the render thread and read by the heartbeat task.
final class ProgressCell: Sendable {
    private let value = Mutex<Double>(0)
    func set(_ fraction: Double) { value.withLock { $0 = fraction } }
    func get() -> Double { value.withLock { $0 } }
}
