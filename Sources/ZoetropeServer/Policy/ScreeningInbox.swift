import ZoetropeCore

/// Hands jobs from the submit path to the `ScreeningService`, so the submit answers at once.
final class ScreeningInbox: Sendable {
    let jobs: AsyncStream<Job>
    private let continuation: AsyncStream<Job>.Continuation

    init() {
        (jobs, continuation) = AsyncStream.makeStream(of: Job.self)
    }

    /// Queues a new job for its screen (a job not waiting for one is ignored).
    func submit(_ job: Job) {
        guard job.screenUntil != nil, job.status == .queued else { return }
        continuation.yield(job)
    }

    func close() { continuation.finish() }
}
