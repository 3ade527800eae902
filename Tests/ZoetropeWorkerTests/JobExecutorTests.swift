import Foundation
import Logging
import Synchronization
import Testing
import ZoetropeCore
import ZoetropeWorker

/// `JobExecutor` against a recording lease and scripted engines: each way a job can end
/// (completed video or voice, failed with the engine's reason or an internal one, no engine,
/// lease lost or cancelled mid-render, released on shutdown, output not stored) and the lease
/// calls each makes.
struct JobExecutorTests {
    /// What the executor did with the lease, in order.
    enum Call: Equatable {
        case download, heartbeat(Double), completeVideo(Data), completeVoice(String), fail(String), release, wasCancelled
    }

    /// A lease that records its calls; `holds` false makes heartbeats and completions report a lost lease.
    final class RecordingLease: JobLease, @unchecked Sendable {
        let job: Job
        let holds: Bool
        let cancelled: Bool
        let storeFails: Bool
        /// How many heartbeats and completions throw `StoreUnavailable` (each kind), as during a database outage.
        private let outage: Mutex<(heartbeats: Int, completions: Int)>
        private let log = Mutex<[Call]>([])

        init(
            job: Job, holds: Bool = true, cancelled: Bool = false, storeFails: Bool = false,
            unavailableHeartbeats: Int = 0, unavailableCompletions: Int = 0
        ) {
            self.job = job
            self.holds = holds
            self.cancelled = cancelled
            self.storeFails = storeFails
            self.outage = Mutex((unavailableHeartbeats, unavailableCompletions))
        }

        var calls: [Call] { log.withLock { $0 } }
        private func record(_ call: Call) { log.withLock { $0.append(call) } }

        func downloadInputs(to directory: URL) async throws {
            record(.download)
            try Data("input".utf8).write(to: directory.appendingPathComponent("start"))
        }
        func heartbeat(progress: Double) async throws -> Bool {
            if outage.withLock({ $0.heartbeats > 0 ? { $0.heartbeats -= 1; return true }(&$0) : false }) {
                throw StoreUnavailable.database("down")
            }
            record(.heartbeat(progress))
            return holds
        }
        func complete(video file: URL, stages: StageTimes) async throws -> Bool {
            if storeFails { throw RenderError("disk full") }
            if outage.withLock({ $0.completions > 0 ? { $0.completions -= 1; return true }(&$0) : false }) {
                throw StoreUnavailable.database("down")
            }
            record(.completeVideo(try Data(contentsOf: file)))
            return holds
        }
        func complete(voice: VoiceProfile) async throws -> Bool {
            record(.completeVoice(voice.id))
            return holds
        }
        func fail(_ message: String) async { record(.fail(message)) }
        func release() async { record(.release) }
        func wasCancelled() async -> Bool {
            record(.wasCancelled)
            return cancelled
        }
    }

    /// An engine that does what its closure says.
    struct ScriptedEngine: Engine {
        var name: String { "scripted" }
        let script: @Sendable (JobRequest, RenderContext) async throws -> EngineOutput
        func run(_ request: JobRequest, context: RenderContext) async throws -> EngineOutput {
            try await script(request, context)
        }
    }

    static func executor(_ script: @escaping @Sendable (JobRequest, RenderContext) async throws -> EngineOutput) -> JobExecutor {
        var logger = Logger(label: "executor-test")
        logger.logLevel = .critical
        return JobExecutor(
            engines: ["video": ScriptedEngine(script: script), "voice": ScriptedEngine(script: script)],
            workDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("executor-\(UUID().uuidString.prefix(8))"),
            heartbeatInterval: .milliseconds(10), logger: logger)
    }

    static func job(model: String = "video") -> Job {
        let request: JobRequest = model == "voice"
            ? .voice(VoiceRequest(name: "v", sample: .stored("sample")))
            : .video(GenerationRequest(prompt: "x", startImage: .stored("start")))
        return Job(apiKeyID: "k", model: model, request: request, status: .processing, attempts: 1)
    }

    /// The scratch directories an executor left behind (none, whatever the outcome).
    static func leftovers(_ executor: JobExecutor) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: executor.workDirectory.path)) ?? []
    }

    @Test func aVideoIsStoredWithItsProgressAndTheScratchRemoved() async throws {
        let lease = RecordingLease(job: Self.job())
        let executor = Self.executor { _, context in
            #expect(FileManager.default.fileExists(atPath: context.inputDirectory.appendingPathComponent("start").path))
            context.progress(0.5)
            try await Task.sleep(for: .milliseconds(60))
            try Data("mp4".utf8).write(to: context.outputFile)
            return .video
        }
        let outcome = await executor.execute(lease)
        #expect(outcome == .completed)
        // Heartbeats go on while the video is stored; one may fall in after it.
        let calls = lease.calls.filter { if case .heartbeat = $0 { false } else { true } }
        #expect(calls == [.download, .completeVideo(Data("mp4".utf8))])
        #expect(lease.calls.contains(.heartbeat(0.5)))
        #expect(Self.leftovers(executor).isEmpty)
    }

    @Test func aVoiceCompletesWithItsProfile() async throws {
        let lease = RecordingLease(job: Self.job(model: "voice"))
        let outcome = await Self.executor { _, context in
            .voice(VoiceProfile(
                id: VoiceProfile.voiceID(jobID: context.jobID), name: "v", apiKeyID: "", pitchHz: 100, syllablesPerSecond: 4,
                espeakVariant: "m1", espeakPitch: 50, wordsPerMinute: 160))
        }.execute(lease)
        #expect(outcome == .completed)
        // Heartbeats come every 10 ms whatever the job does; on a loaded machine one may fall in.
        let calls = lease.calls.filter { if case .heartbeat = $0 { false } else { true } }
        #expect(calls == [.download, .completeVoice(VoiceProfile.voiceID(jobID: lease.job.id))])
    }

    @Test func failuresCarryTheEnginesReasonOrSayInternal() async throws {
        let reasoned = RecordingLease(job: Self.job())
        #expect(await Self.executor { _, _ in throw RenderError("start_image_url could not be decoded") }.execute(reasoned) == .failed)
        #expect(reasoned.calls.last == .fail("start_image_url could not be decoded"))

        struct Oops: Error {}
        let unexpected = RecordingLease(job: Self.job())
        #expect(await Self.executor { _, _ in throw Oops() }.execute(unexpected) == .failed)
        guard case .fail(let message)? = unexpected.calls.last else { throw TestFailure("not failed: \(unexpected.calls)") }
        #expect(message.hasPrefix("internal error while rendering: "))

        let unserved = RecordingLease(job: Self.job(model: "nope"))
        #expect(await Self.executor { _, _ in .video }.execute(unserved) == .failed)
        #expect(unserved.calls == [.fail("no engine serves model 'nope'")])

        let unstored = RecordingLease(job: Self.job(), storeFails: true)
        #expect(await Self.executor { _, context in
            try Data().write(to: context.outputFile)
            return .video
        }.execute(unstored) == .failed)
        #expect(unstored.calls.last == .fail("could not store the output video: disk full"))
    }

    @Test func aLostLeaseStopsTheRenderAndKeepsNothing() async throws {
        let started = Date()
        let lost = RecordingLease(job: Self.job(), holds: false)
        let outcome = await Self.executor { _, _ in
            try await Task.sleep(for: .seconds(300))
            return .video
        }.execute(lost)
        #expect(outcome == .leaseLost && Date().timeIntervalSince(started) < 150, "stopped, not run to its end at 300 s")
        #expect(lost.calls.last == .wasCancelled && !lost.calls.contains { if case .completeVideo = $0 { true } else { false } })

        let cancelled = RecordingLease(job: Self.job(), holds: false, cancelled: true)
        #expect(await Self.executor { _, _ in
            try await Task.sleep(for: .seconds(30))
            return .video
        }.execute(cancelled) == .cancelled)

        // Finished after the lease was lost: the output is not kept.
        let late = RecordingLease(job: Self.job(), holds: false)
        let executor = Self.executor { _, context in
            try Data("mp4".utf8).write(to: context.outputFile)
            return .video
        }
        #expect(await executor.execute(late) == .leaseLost)
        #expect(Self.leftovers(executor).isEmpty)
    }

    @Test func aDatabaseOutageKeepsTheRenderAndReportsItOnceTheDatabaseIsBack() async throws {
        let lease = RecordingLease(job: Self.job(), unavailableHeartbeats: 5, unavailableCompletions: 3)
        let executor = Self.executor { _, context in
            try await Task.sleep(for: .milliseconds(150))  // heartbeats every 10 ms: the first five find no database
            try Data("mp4".utf8).write(to: context.outputFile)
            return .video
        }
        #expect(await executor.execute(lease) == .completed)
        #expect(lease.calls.contains(.completeVideo(Data("mp4".utf8))))
        #expect(!lease.calls.contains { if case .fail = $0 { true } else { false } })
    }

    @Test func aResultNobodyRecordsWithinThePatienceIsGivenUpNotFailed() async throws {
        var logger = Logger(label: "executor-test")
        logger.logLevel = .critical
        let executor = JobExecutor(
            engines: ["video": ScriptedEngine { _, context in
                try Data("mp4".utf8).write(to: context.outputFile)
                return .video
            }],
            workDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("executor-\(UUID().uuidString.prefix(8))"),
            heartbeatInterval: .milliseconds(10), reportPatience: .milliseconds(600), logger: logger)
        let lease = RecordingLease(job: Self.job(), unavailableCompletions: 1000)
        // Left to the lease's expiry and a retry elsewhere: the job is not failed for an outage.
        #expect(await executor.execute(lease) == .leaseLost)
        #expect(!lease.calls.contains { if case .fail = $0 { true } else { false } })
        #expect(Self.leftovers(executor).isEmpty)
    }

    /// A render stuck in a call that never returns (nor heeds cancellation) is given up once its
    /// progress has stood still for the stall limit: the slot is free again, the job is neither
    /// failed nor released (its lease expires and it is tried again), its files are removed.
    @Test func aStuckRenderIsGivenUpAndLeftToItsLeasesExpiry() async throws {
        var logger = Logger(label: "executor-test")
        logger.logLevel = .critical
        func executor(_ script: @escaping @Sendable (JobRequest, RenderContext) async throws -> EngineOutput) -> JobExecutor {
            JobExecutor(
                engines: ["video": ScriptedEngine(script: script)],
                workDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("executor-\(UUID().uuidString.prefix(8))"),
                heartbeatInterval: .milliseconds(10), stallLimit: .seconds(2), logger: logger)
        }
        let stuck = RecordingLease(job: Self.job())
        let stuckExecutor = executor { _, context in
            context.progress(0.3)
            await withUnsafeContinuation { (_: UnsafeContinuation<Void, Never>) in }  // never resumed
            return .video
        }
        #expect(await stuckExecutor.execute(stuck) == .stalled)
        #expect(stuck.calls.allSatisfy { if case .heartbeat = $0 { true } else { $0 == .download } }, "\(stuck.calls)")
        #expect(Self.leftovers(stuckExecutor).isEmpty)
    }

    /// The stall judgement, on readings at given instants (no timers): progress that keeps moving
    /// is never a stall, however long the render runs; progress standing still for longer than
    /// the limit is, and moving again starts the count afresh.
    @Test func aStallIsProgressStandingStillForLongerThanTheLimit() {
        let start = ContinuousClock.now
        func at(_ seconds: Double) -> ContinuousClock.Instant { start + .milliseconds(Int64(seconds * 1000)) }
        var watch = StallWatch(limit: .seconds(2), progress: 0, at: start)
        func stalled(_ progress: Double, at seconds: Double) -> Bool { watch.isStalled(progress: progress, at: at(seconds)) }
        for step in 1...10 {  // 19 s in all, moving every 1.9 s
            let reading = stalled(Double(step) / 10, at: 1.9 * Double(step))
            #expect(!reading, "moving at \(1.9 * Double(step)) s")
        }
        let stillForTheLimit = stalled(1, at: 21), stillForLonger = stalled(1, at: 21.1)
        #expect(!stillForTheLimit, "2 s still: not longer than the limit")
        #expect(stillForLonger)
        let movingAgain = stalled(0.5, at: 40), stillAgain = stalled(0.5, at: 41.9), stillTooLong = stalled(0.5, at: 42.1)
        #expect(!movingAgain && !stillAgain)
        #expect(stillTooLong)
    }

    @Test func stoppingTheProcessReleasesTheJob() async throws {
        let lease = RecordingLease(job: Self.job())
        let executor = Self.executor { _, _ in
            try await Task.sleep(for: .seconds(30))
            return .video
        }
        let task = Task { await executor.execute(lease) }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        #expect(await task.value == .released)
        #expect(lease.calls.last == .release)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
