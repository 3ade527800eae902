import Foundation

/// Durable storage of jobs. Every state change is one atomic operation so that an implementation
/// can run it as a single SQL statement (SQLite) or a `SELECT … FOR UPDATE SKIP LOCKED` transaction
/// (PostgreSQL). Owner checks make a runner that lost its lease unable to change the job.
public protocol JobStore: Sendable {
    /// Commits a new job; returns only once it is durable.
    func insert(_ job: Job) async throws
    func job(id: String) async throws -> Job?
    /// 1-based position among queued jobs (1 = next to start); 0 when the job is not queued.
    func queuePosition(of job: Job) async throws -> Int
    /// Takes the oldest job that is queued, or whose lease expired with attempts left, for `owner`
    /// until `expiresAt`, counting one more attempt.
    func lease(models: [String], owner: String, expiresAt: Date, now: Date) async throws -> Job?
    /// Extends a lease; false when the lease is no longer this owner's.
    func heartbeat(id: String, owner: String, expiresAt: Date, now: Date) async throws -> Bool
    func updateProgress(id: String, owner: String, progress: Double, now: Date) async throws
    /// Marks the job COMPLETED with its output (a stored file, or a JSON result); false when the
    /// lease is no longer this owner's.
    func complete(id: String, owner: String, outputKey: String?, result: JSONValue?, now: Date) async throws -> Bool
    /// Marks the job FAILED; with an owner only if that owner still holds the lease.
    func fail(id: String, owner: String?, error: String, now: Date) async throws -> Bool
    /// Puts a leased job back in the queue without counting the attempt (graceful shutdown).
    func release(id: String, owner: String, now: Date) async throws
    /// Ends FAILED every job whose lease expired on its last attempt; returns them.
    func failAbandoned(now: Date) async throws -> [Job]
    /// Deletes every job submitted before `cutoff`; returns them so their files can be deleted.
    func expire(createdBefore cutoff: Date) async throws -> [Job]
}
