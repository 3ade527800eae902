import Foundation
import SQLiteNIO
import ZoetropeCore

/// The job queue (``JobStore``): the content policy's screen, leases, idempotency keys, history, counts and
/// the workers seen.
extension SQLiteDataStore {
    public func insert(_ job: Job) async throws {
        let request = String(decoding: try Self.encoder.encode(job.request), as: UTF8.self)
        do {
            _ = try await connection.query(
                """
                INSERT INTO jobs (id, api_key_id, model, request, status, progress, attempts, max_attempts,
                    lease_owner, lease_expires_at, error, output_key, created_at, updated_at, started_at, completed_at,
                    cost_micros, webhook_url, screen_until, upstream)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(job.id), .text(job.apiKeyID), .text(job.model), .text(request), .text(job.status.rawValue),
                    .float(job.progress), .integer(job.attempts), .integer(job.maxAttempts), .optionalText(job.leaseOwner),
                    .optionalDate(job.leaseExpiresAt), .optionalText(job.error), .optionalText(job.outputKey),
                    .date(job.createdAt), .date(job.updatedAt), .optionalDate(job.startedAt), .optionalDate(job.completedAt),
                    .integer(Int(job.cost.micros)), .optionalText(job.webhookURL), .optionalDate(job.screenUntil),
                    .optionalText(job.upstream?.storedText),
                ])
        } catch where "\(error)".contains("insufficient credits") {
            let balance = try await key(id: job.apiKeyID)?.credits ?? .zero
            throw InsufficientCredits(needed: job.cost, available: balance)
        }
        workSignal.notify()
    }

    public func job(id: String) async throws -> Job? {
        try await connection.query("SELECT * FROM jobs WHERE id = ?", [.text(id)]).first.map(Self.job(from:))
    }

    public func snapshot(id: String) async throws -> JobSnapshot? {
        try await snapshots.snapshot(id: id) { try await readSnapshot(id: id) }
    }

    /// The job's state columns, read from the table.
    private func readSnapshot(id: String) async throws -> JobSnapshot? {
        guard let row = try await connection.query(
            "SELECT \(jobSnapshotColumns) FROM jobs WHERE id = ?", [.text(id)]
        ).first else { return nil }
        guard let id = row.column("id")?.string, let status = row.column("status")?.string.flatMap(JobStatus.init(rawValue:))
        else { throw RenderError("a stored job row is malformed") }
        return JobSnapshot(
            id: id, apiKeyID: row.column("api_key_id")?.string ?? "", status: status,
            progress: row.column("progress")?.double ?? 0, error: row.column("error")?.string,
            createdAt: Date(timeIntervalSince1970: row.column("created_at")?.double ?? 0),
            updatedAt: Date(timeIntervalSince1970: row.column("updated_at")?.double ?? 0))
    }

    public func queuePosition(of job: JobSnapshot) async throws -> Int {
        guard job.status == .queued else { return 0 }
        let rows = try await connection.query(
            "SELECT COUNT(*) AS ahead FROM jobs WHERE status = 'QUEUED' AND (created_at < ? OR (created_at = ? AND id < ?))",
            [.date(job.createdAt), .date(job.createdAt), .text(job.id)])
        return Int(rows.first?.column("ahead")?.integer ?? 0) + 1
    }

    public func queuedJobIDs(limit: Int) async throws -> [String] {
        try await connection.query(
            "SELECT id FROM jobs WHERE status = 'QUEUED' ORDER BY created_at, id LIMIT ?", [.integer(limit)]
        ).compactMap { $0.column("id")?.string }
    }

    public func markScreened(id: String, request: JobRequest?, now: Date) async throws -> Bool {
        defer { snapshots.changed(id) }
        let requestText = try request.map { String(decoding: try Self.encoder.encode($0), as: UTF8.self) }
        let screened = !(try await connection.query(
            """
            UPDATE jobs SET screen_until = NULL, request = COALESCE(?, request), updated_at = ?
            WHERE id = ? AND status = 'QUEUED' AND screen_until IS NOT NULL RETURNING id
            """,
            [.optionalText(requestText), .date(now), .text(id)])).isEmpty
        if screened { workSignal.notify() }
        return screened
    }

    public func claimUnscreened(now: Date, until: Date, limit: Int) async throws -> [Job] {
        let claimed = try await connection.query(
            """
            UPDATE jobs SET screen_until = ?, updated_at = ?
            WHERE id IN (
                SELECT id FROM jobs WHERE status = 'QUEUED' AND screen_until < ?
                ORDER BY created_at, id LIMIT ?)
            RETURNING *
            """,
            [.date(until), .date(now), .date(now), .integer(limit)]
        ).map(Self.job(from:)).sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        snapshots.changed(claimed.map(\.id))
        return claimed
    }

    public func lease(models: [String], owner: String, expiresAt: Date, now: Date) async throws -> Job? {
        try await takeOldest(models: models.map { ($0, nil) }, owner: owner, expiresAt: expiresAt, now: now)
    }

    /// Leases the oldest job of the models that is queued and passed, or whose lease expired with
    /// attempts left, and that each model's upstream cutoff allows: without one, a job not on an
    /// upstream; with one, a job already on an upstream or submitted by the cutoff.
    func takeOldest(models: [(model: String, upstreamCutoff: Date?)], owner: String, expiresAt: Date, now: Date)
        async throws -> Job?
    {
        guard !models.isEmpty else { return nil }
        let selection = models.map { $0.upstreamCutoff == nil
            ? "(model = ? AND upstream IS NULL)" : "(model = ? AND (upstream IS NOT NULL OR created_at <= ?))" }
        let rows = try await connection.query(
            """
            UPDATE jobs SET status = 'PROCESSING', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1,
                progress = 0, started_at = ?, updated_at = ?
            WHERE id = (
                SELECT id FROM jobs
                WHERE (\(selection.joined(separator: " OR ")))
                  AND ((status = 'QUEUED' AND screen_until IS NULL)
                    OR (status = 'PROCESSING' AND lease_expires_at < ? AND attempts < max_attempts))
                ORDER BY created_at, id LIMIT 1)
            RETURNING *
            """,
            [.text(owner), .date(expiresAt), .date(now), .date(now)]
                + models.flatMap { [SQLiteData.text($0.model)] + ($0.upstreamCutoff.map { [.date($0)] } ?? []) }
                + [.date(now)])
        let job = try rows.first.map(Self.job(from:))
        if let job { snapshots.changed(job.id) }
        return job
    }

    public func heartbeat(id: String, owner: String, expiresAt: Date, now: Date) async throws -> Bool {
        defer { snapshots.changed(id) }
        let rows = try await connection.query(
            """
            UPDATE jobs SET lease_expires_at = ?, updated_at = ?
            WHERE id = ? AND lease_owner = ? AND status = 'PROCESSING' RETURNING id
            """,
            [.date(expiresAt), .date(now), .text(id), .text(owner)])
        return !rows.isEmpty
    }

    public func updateProgress(id: String, owner: String, progress: Double, now: Date) async throws -> Bool {
        defer { snapshots.changed(id) }
        return !(try await connection.query(
            """
            UPDATE jobs SET progress = ?, updated_at = ? WHERE id = ? AND lease_owner = ? AND status = 'PROCESSING'
            RETURNING id
            """,
            [.float(min(max(progress, 0), 1)), .date(now), .text(id), .text(owner)])).isEmpty
    }

    public func cancel(id: String, now: Date) async throws -> Job? {
        defer { snapshots.changed(id) }
        return try await connection.query(
            """
            UPDATE jobs SET status = 'CANCELLED', error = 'cancelled by the client', lease_owner = NULL,
                lease_expires_at = NULL, completed_at = ?, updated_at = ?
            WHERE id = ? AND status IN ('QUEUED', 'PROCESSING') RETURNING *
            """,
            [.date(now), .date(now), .text(id)]).first.map(Self.job(from:))
    }

    public func complete(id: String, owner: String, outputKey: String?, result: JSONValue?, stages: JSONValue?, now: Date)
        async throws -> Bool
    {
        defer { snapshots.changed(id) }
        let resultText = result?.encodedText
        let stagesText = stages?.encodedText
        let rows = try await connection.query(
            """
            UPDATE jobs SET status = 'COMPLETED', progress = 1, output_key = ?, result = ?, stages = ?, lease_owner = NULL,
                lease_expires_at = NULL, completed_at = ?, updated_at = ?
            WHERE id = ? AND lease_owner = ? AND status = 'PROCESSING' RETURNING id
            """,
            [.optionalText(outputKey), .optionalText(resultText), .optionalText(stagesText), .date(now), .date(now),
             .text(id), .text(owner)])
        return !rows.isEmpty
    }

    public func fail(id: String, owner: String?, error: String, now: Date) async throws -> Bool {
        defer { snapshots.changed(id) }
        var sql = """
            UPDATE jobs SET status = 'FAILED', error = ?, lease_owner = NULL, lease_expires_at = NULL,
                completed_at = ?, updated_at = ?
            WHERE id = ? AND status IN ('QUEUED', 'PROCESSING')
            """
        var binds: [SQLiteData] = [.text(error), .date(now), .date(now), .text(id)]
        if let owner {
            sql += " AND lease_owner = ?"
            binds.append(.text(owner))
        }
        return !(try await connection.query(sql + " RETURNING id", binds)).isEmpty
    }

    public func failAttempt(id: String, owner: String, error: String, now: Date) async throws -> Job? {
        defer { snapshots.changed(id) }
        // Every `attempts < max_attempts` reads the row as it was: attempts are left, so queue it again.
        let job = try await connection.query(
            """
            UPDATE jobs SET status = CASE WHEN attempts < max_attempts THEN 'QUEUED' ELSE 'FAILED' END,
                error = CASE WHEN attempts < max_attempts THEN NULL ELSE ? END,
                completed_at = CASE WHEN attempts < max_attempts THEN NULL ELSE ? END,
                started_at = CASE WHEN attempts < max_attempts THEN NULL ELSE started_at END,
                progress = CASE WHEN attempts < max_attempts THEN 0 ELSE progress END,
                lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
            WHERE id = ? AND lease_owner = ? AND status = 'PROCESSING' RETURNING *
            """,
            [.text(error), .date(now), .date(now), .text(id), .text(owner)]
        ).first.map(Self.job(from:))
        if job?.status == .queued { workSignal.notify() }
        return job
    }

    public func release(id: String, owner: String, now: Date) async throws {
        defer { snapshots.changed(id) }
        _ = try await connection.query(
            """
            UPDATE jobs SET status = 'QUEUED', lease_owner = NULL, lease_expires_at = NULL, progress = 0,
                attempts = MAX(attempts - 1, 0), started_at = NULL, updated_at = ?
            WHERE id = ? AND lease_owner = ? AND status = 'PROCESSING'
            """,
            [.date(now), .text(id), .text(owner)])
        workSignal.notify()
    }

    public func failAbandoned(now: Date) async throws -> [Job] {
        let rows = try await connection.query(
            """
            UPDATE jobs SET status = 'FAILED',
                error = 'the job was interrupted ' || attempts || ' times (its worker stopped responding) and was given up',
                lease_owner = NULL, lease_expires_at = NULL, completed_at = ?, updated_at = ?
            WHERE status = 'PROCESSING' AND lease_expires_at < ? AND attempts >= max_attempts
            RETURNING *
            """,
            [.date(now), .date(now), .date(now)])
        let jobs = try rows.map(Self.job(from:))
        snapshots.changed(jobs.map(\.id))
        return jobs
    }

    public func claimIdempotencyKey(_ key: String, apiKeyID: String, bodyHash: String, requestID: String, now: Date)
        async throws -> (requestID: String, bodyHash: String)
    {
        // One statement: the upsert's no-op update makes RETURNING give the row that holds.
        let row = try await connection.query(
            """
            INSERT INTO idempotency_keys (api_key_id, key, body_hash, request_id, created_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (api_key_id, key) DO UPDATE SET key = excluded.key
            RETURNING request_id, body_hash
            """,
            [.text(apiKeyID), .text(key), .text(bodyHash), .text(requestID), .date(now)]).first
        guard let held = row?.column("request_id")?.string, let hash = row?.column("body_hash")?.string else {
            throw RenderError("the idempotency key could not be recorded")
        }
        return (held, hash)
    }

    public func releaseIdempotencyKey(_ key: String, apiKeyID: String, requestID: String) async throws {
        _ = try await connection.query(
            "DELETE FROM idempotency_keys WHERE api_key_id = ? AND key = ? AND request_id = ?",
            [.text(apiKeyID), .text(key), .text(requestID)])
    }

    public func expireIdempotencyKeys(claimedBefore cutoff: Date) async throws {
        _ = try await connection.query("DELETE FROM idempotency_keys WHERE created_at < ?", [.date(cutoff)])
    }

    public func jobs(apiKeyID: String, filter: JobFilter, limit: Int, offset: Int) async throws -> (jobs: [Job], total: Int) {
        var conditions = ["api_key_id = ?"]
        var binds: [SQLiteData] = [.text(apiKeyID)]
        if let status = filter.status {
            conditions.append("status = ?")
            binds.append(.text(status.rawValue))
        }
        if let model = filter.model {
            conditions.append("model = ?")
            binds.append(.text(model))
        }
        if let from = filter.from {
            conditions.append("created_at >= ?")
            binds.append(.date(from))
        }
        if let to = filter.to {
            conditions.append("created_at < ?")
            binds.append(.date(to))
        }
        let condition = conditions.joined(separator: " AND ")
        let total = try await connection.query("SELECT COUNT(*) AS total FROM jobs WHERE \(condition)", binds)
            .first?.column("total")?.integer ?? 0
        let rows = try await connection.query(
            "SELECT * FROM jobs WHERE \(condition) ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
            binds + [.integer(limit), .integer(offset)])
        return (try rows.map(Self.job(from:)), Int(total))
    }

    public func expire(createdBefore cutoff: Date) async throws -> [Job] {
        let rows = try await connection.query("DELETE FROM jobs WHERE created_at < ? RETURNING *", [.date(cutoff)])
        let jobs = try rows.map(Self.job(from:))
        snapshots.changed(jobs.map(\.id))
        return jobs
    }

    public func unfinishedJobCount(apiKeyID: String) async throws -> Int {
        let rows = try await connection.query(
            "SELECT COUNT(*) AS n FROM jobs WHERE api_key_id = ? AND status IN ('QUEUED', 'PROCESSING')",
            [.text(apiKeyID)])
        return Int(rows.first?.column("n")?.integer ?? 0)
    }

    public func jobCounts() async throws -> [JobCount] {
        try await connection.query("SELECT model, status, COUNT(*) AS n FROM jobs GROUP BY model, status").compactMap { row in
            guard let model = row.column("model")?.string,
                let status = row.column("status")?.string.flatMap(JobStatus.init(rawValue:))
            else { return nil }
            return JobCount(model: model, status: status, count: Int(row.column("n")?.integer ?? 0))
        }
    }

    public func waitForWork(timeout: Duration) async {
        await workSignal.wait(timeout: timeout)
    }

    public func recordWorker(id workerID: String, models: [String], now: Date) async throws {
        _ = try await connection.query(
            """
            INSERT INTO workers (id, models, last_seen) VALUES (?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET models = excluded.models, last_seen = excluded.last_seen
            """,
            [.text(workerID), .text(models.sorted().joined(separator: ",")), .date(now)])
    }

    public func activeWorkerCount(seenSince since: Date) async throws -> Int {
        _ = try await connection.query("DELETE FROM workers WHERE last_seen < ?", [.date(since.addingTimeInterval(-3600))])
        let rows = try await connection.query("SELECT COUNT(*) AS n FROM workers WHERE last_seen >= ?", [.date(since)])
        return Int(rows.first?.column("n")?.integer ?? 0)
    }

    static func job(from row: SQLiteRow) throws -> Job {
        func text(_ name: String) -> String? { row.column(name)?.string }
        func date(_ name: String) -> Date? {
            row.column(name)?.double.map { Date(timeIntervalSince1970: $0) }
        }
        guard let id = text("id"), let requestText = text("request"),
            let status = text("status").flatMap(JobStatus.init(rawValue:))
        else {
            throw RenderError("a stored job row is malformed")
        }
        let request = try JSONDecoder().decode(JobRequest.self, from: Data(requestText.utf8))
        let result = try text("result").map { try JSONValue.parse(Data($0.utf8)) }
        let stages = try text("stages").map { try JSONValue.parse(Data($0.utf8)) }
        return Job(
            id: id, apiKeyID: text("api_key_id") ?? "", model: text("model") ?? "", request: request, status: status,
            progress: row.column("progress")?.double ?? 0, attempts: Int(row.column("attempts")?.integer ?? 0),
            maxAttempts: Int(row.column("max_attempts")?.integer ?? 1), leaseOwner: text("lease_owner"),
            leaseExpiresAt: date("lease_expires_at"), error: text("error"), outputKey: text("output_key"),
            result: result, stages: stages, cost: Credits(micros: Int64(row.column("cost_micros")?.integer ?? 0)),
            webhookURL: text("webhook_url"), screenUntil: date("screen_until"),
            upstream: UpstreamRequest.stored(text("upstream")), createdAt: date("created_at") ?? Date(),
            updatedAt: date("updated_at"), startedAt: date("started_at"), completedAt: date("completed_at"))
    }
}
