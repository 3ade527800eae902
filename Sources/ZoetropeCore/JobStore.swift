import Foundation

/// Durable storage of jobs. Every state change is one atomic operation so that an implementation
/// can run it as a single SQL statement (SQLite) or a `SELECT … FOR UPDATE SKIP LOCKED` transaction
/// (PostgreSQL). Owner checks make a runner that lost its lease unable to change the job.
public protocol JobStore: Sendable {
    /// Commits a new job; returns only once it is durable.
    func insert(_ job: Job) async throws
    func job(id: String) async throws -> Job?
    /// The job's state alone (one indexed read, no request decoded): what a status poll needs.
    func snapshot(id: String) async throws -> JobSnapshot?
    /// 1-based position among queued jobs (1 = next to start); 0 when the job is not queued.
    func queuePosition(of job: JobSnapshot) async throws -> Int
    /// The ids of the first `limit` queued jobs, in the order they will start.
    func queuedJobIDs(limit: Int) async throws -> [String]
    /// Marks a QUEUED job as passed by the content policy (clears `screenUntil`), so runners may
    /// lease it; with `request`, also replaces its request (inputs the screen fetched, now
    /// stored beside the job). False when the job is no longer QUEUED or was passed already.
    func markScreened(id: String, request: JobRequest?, now: Date) async throws -> Bool
    /// Takes over up to `limit` QUEUED jobs whose screen's deadline passed (their gateway
    /// stopped mid-screen), oldest first, moving each one's deadline to `until`.
    func claimUnscreened(now: Date, until: Date, limit: Int) async throws -> [Job]
    /// Takes the oldest job that is queued and passed by the content policy, or whose lease expired with attempts left, for `owner`
    /// until `expiresAt`, counting one more attempt. Jobs that run on an upstream (`Job.upstream`)
    /// are left to `leaseForUpstream`.
    func lease(models: [String], owner: String, expiresAt: Date, now: Date) async throws -> Job?
    /// Takes, for an upstream's slots, the oldest job of the models in `cutoffs` that already runs
    /// on an upstream (handed back, or its lease expired with attempts left) or that is queued,
    /// passed, and was submitted at or before its model's cutoff (now, for a model only the
    /// upstream serves; now less the wait, for one it takes as overflow; an expired lease counts
    /// too), for `owner` until `expiresAt`, counting one more attempt.
    func leaseForUpstream(cutoffs: [String: Date], owner: String, expiresAt: Date, now: Date) async throws -> Job?
    /// Records where the job runs upstream; false when the lease is no longer this owner's.
    func recordUpstream(id: String, owner: String, upstream: UpstreamRequest, now: Date) async throws -> Bool
    /// Extends a lease; false when the lease is no longer this owner's.
    func heartbeat(id: String, owner: String, expiresAt: Date, now: Date) async throws -> Bool
    /// Records progress; false when the lease is no longer this owner's (the job was cancelled,
    /// or another runner took it), which tells the runner to stop.
    func updateProgress(id: String, owner: String, progress: Double, now: Date) async throws -> Bool
    /// Ends a QUEUED or PROCESSING job CANCELLED and returns it; nil when the job is not
    /// cancellable (unknown, or already finished).
    func cancel(id: String, now: Date) async throws -> Job?
    /// Marks the job COMPLETED with its output (a stored file, or a JSON result) and where its time
    /// went (`stages`, when its renderer said); false when the lease is no longer this owner's.
    func complete(id: String, owner: String, outputKey: String?, result: JSONValue?, stages: JSONValue?, now: Date)
        async throws -> Bool
    /// Marks the job FAILED; with an owner only if that owner still holds the lease.
    func fail(id: String, owner: String?, error: String, now: Date) async throws -> Bool
    /// Ends the owner's attempt as failed (its upload was refused): the job is QUEUED again, the
    /// attempt counted, when attempts are left, and otherwise FAILED with `error`. Returns the job
    /// as it is now; nil when the lease is no longer this owner's.
    func failAttempt(id: String, owner: String, error: String, now: Date) async throws -> Job?
    /// Puts a leased job back in the queue without counting the attempt (graceful shutdown).
    func release(id: String, owner: String, now: Date) async throws
    /// Ends FAILED every job whose lease expired on its last attempt; returns them.
    func failAbandoned(now: Date) async throws -> [Job]
    /// Claims `key` for the API key's submit of a body with `bodyHash`, for `requestID`; returns the
    /// claim that holds (this one, or an earlier one with its request id and body hash).
    func claimIdempotencyKey(_ key: String, apiKeyID: String, bodyHash: String, requestID: String, now: Date) async throws
        -> (requestID: String, bodyHash: String)
    /// Drops a claim whose submit failed, so the key can be used again.
    func releaseIdempotencyKey(_ key: String, apiKeyID: String, requestID: String) async throws
    /// Forgets idempotency keys claimed before `cutoff`.
    func expireIdempotencyKeys(claimedBefore cutoff: Date) async throws
    /// The key's jobs, newest first, filtered; and how many match in all.
    func jobs(apiKeyID: String, filter: JobFilter, limit: Int, offset: Int) async throws -> (jobs: [Job], total: Int)
    /// Deletes every job submitted before `cutoff`; returns them so their files can be deleted.
    func expire(createdBefore cutoff: Date) async throws -> [Job]
    /// How many of the key's jobs are QUEUED or PROCESSING.
    func unfinishedJobCount(apiKeyID: String) async throws -> Int
    /// Jobs by model and state (for `/metrics`).
    func jobCounts() async throws -> [JobCount]
    /// Returns when a job may have been queued or handed back (in any process sharing the
    /// store), or after `timeout`; idle render slots and workers wait here instead of polling.
    func waitForWork(timeout: Duration) async
    /// Notes that render slot or remote worker `workerID` asked for work for `models`.
    func recordWorker(id workerID: String, models: [String], now: Date) async throws
    /// How many render slots and workers asked for work since `since`.
    func activeWorkerCount(seenSince since: Date) async throws -> Int
}

/// Which of a key's jobs a history listing shows.
public struct JobFilter: Sendable, Equatable {
    public var status: JobStatus?
    public var model: String?
    /// Submitted at or after.
    public var from: Date?
    /// Submitted before.
    public var to: Date?

    public init(status: JobStatus? = nil, model: String? = nil, from: Date? = nil, to: Date? = nil) {
        self.status = status
        self.model = model
        self.from = from
        self.to = to
    }
}

extension JobStore {
    /// 1-based position among queued jobs (1 = next to start); 0 when the job is not queued.
    public func queuePosition(of job: Job) async throws -> Int { try await queuePosition(of: job.snapshot) }

    /// Marks the job COMPLETED with its output, no stage timings given.
    public func complete(id: String, owner: String, outputKey: String?, result: JSONValue?, now: Date) async throws -> Bool {
        try await complete(id: id, owner: owner, outputKey: outputKey, result: result, stages: nil, now: now)
    }
}
