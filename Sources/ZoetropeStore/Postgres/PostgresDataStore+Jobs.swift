import Foundation
import PostgresNIO
import ZoetropeCore

/// The job queue (``JobStore``): the content policy's screen, leases with `FOR UPDATE SKIP LOCKED`,
/// idempotency keys, history, counts and the workers seen.
extension PostgresDataStore {
    public func insert(_ job: Job) async throws {
        let request = String(decoding: try Self.encoder.encode(job.request), as: UTF8.self)
        do {
            try await rows(
                """
                INSERT INTO jobs (id, api_key_id, model, request, status, progress, attempts, max_attempts,
                    lease_owner, lease_expires_at, error, output_key, created_at, updated_at, started_at, completed_at,
                    cost_micros, webhook_url, screen_until, upstream)
                VALUES (\(job.id), \(job.apiKeyID), \(job.model), \(request), \(job.status.rawValue), \(job.progress),
                    \(job.attempts), \(job.maxAttempts), \(job.leaseOwner), \(job.leaseExpiresAt?.timeIntervalSince1970),
                    \(job.error), \(job.outputKey), \(job.createdAt.timeIntervalSince1970),
                    \(job.updatedAt.timeIntervalSince1970), \(job.startedAt?.timeIntervalSince1970),
                    \(job.completedAt?.timeIntervalSince1970), \(job.cost.micros), \(job.webhookURL),
                    \(job.screenUntil?.timeIntervalSince1970), \(job.upstream?.storedText))
                """)
        } catch let error as PSQLError where error.serverInfo?[.message] == "insufficient credits" {
            let balance = try await key(id: job.apiKeyID)?.credits ?? .zero
            throw InsufficientCredits(needed: job.cost, available: balance)
        }
        // The trigger's NOTIFY wakes other processes; this process's slots need not wait for it.
        workSignal.notify()
    }

    public func job(id: String) async throws -> Job? {
        try await rows("SELECT * FROM jobs WHERE id = \(id)").first.map(Self.job(from:))
    }

    public func queuePosition(of job: JobSnapshot) async throws -> Int {
        guard job.status == .queued else { return 0 }
        let createdAt = job.createdAt.timeIntervalSince1970
        let ahead = try await rows(
            """
            SELECT COUNT(*) FROM jobs
            WHERE status = 'QUEUED' AND (created_at < \(createdAt) OR (created_at = \(createdAt) AND id < \(job.id)))
            """
        ).first?.decode(Int.self) ?? 0
        return ahead + 1
    }

    public func queuedJobIDs(limit: Int) async throws -> [String] {
        try await rows("SELECT id FROM jobs WHERE status = 'QUEUED' ORDER BY created_at, id LIMIT \(limit)")
            .map { try $0.decode(String.self) }
    }

    public func markScreened(id: String, request: JobRequest?, now: Date) async throws -> Bool {
        defer { snapshots.changed(id) }
        let requestText = try request.map { String(decoding: try Self.encoder.encode($0), as: UTF8.self) }
        let screened = !(try await rows(
            """
            UPDATE jobs SET screen_until = NULL, request = COALESCE(\(requestText), request),
                updated_at = \(now.timeIntervalSince1970)
            WHERE id = \(id) AND status = 'QUEUED' AND screen_until IS NOT NULL RETURNING id
            """
        )).isEmpty
        // The trigger's NOTIFY wakes other processes; this process's slots need not wait for it.
        if screened { workSignal.notify() }
        return screened
    }

    public func claimUnscreened(now: Date, until: Date, limit: Int) async throws -> [Job] {
        let now = now.timeIntervalSince1970
        let claimed = try await rows(
            """
            UPDATE jobs SET screen_until = \(until.timeIntervalSince1970), updated_at = \(now)
            WHERE id IN (
                SELECT id FROM jobs WHERE status = 'QUEUED' AND screen_until < \(now)
                ORDER BY created_at, id LIMIT \(limit)
                FOR UPDATE SKIP LOCKED)
            RETURNING *
            """
        ).map(Self.job(from:)).sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        snapshots.changed(claimed.map(\.id))
        return claimed
    }

    public func lease(models: [String], owner: String, expiresAt: Date, now: Date) async throws -> Job? {
        try await takeOldest(models: models, upstreamCutoffs: nil, owner: owner, expiresAt: expiresAt, now: now)
    }

    /// Leases the oldest job of `models` that is queued and passed, or whose lease expired with
    /// attempts left, and that the cutoffs allow: without them, one not on an upstream; with them
    /// (one per model, in Unix seconds), one already on an upstream or submitted by its model's cutoff.
    func takeOldest(models: [String], upstreamCutoffs: [Double]?, owner: String, expiresAt: Date, now: Date) async throws -> Job? {
        guard !models.isEmpty else { return nil }
        let now = now.timeIntervalSince1970
        let forUpstream = upstreamCutoffs != nil, cutoffs = upstreamCutoffs ?? []
        let job = try await rows(
            """
            UPDATE jobs SET status = 'PROCESSING', lease_owner = \(owner),
                lease_expires_at = \(expiresAt.timeIntervalSince1970), attempts = attempts + 1, progress = 0,
                started_at = \(now), updated_at = \(now)
            WHERE id = (
                SELECT id FROM jobs
                WHERE model = ANY(\(models))
                  AND CASE WHEN \(forUpstream) THEN upstream IS NOT NULL OR created_at <= (
                        SELECT route.cutoff FROM unnest(\(models)::text[], \(cutoffs)::float8[]) AS route(model, cutoff)
                        WHERE route.model = jobs.model)
                    ELSE upstream IS NULL END
                  AND ((status = 'QUEUED' AND screen_until IS NULL)
                    OR (status = 'PROCESSING' AND lease_expires_at < \(now) AND attempts < max_attempts))
                ORDER BY created_at, id LIMIT 1
                FOR UPDATE SKIP LOCKED)
            RETURNING *
            """
        ).first.map(Self.job(from:))
        if let job { snapshots.changed(job.id) }
        return job
    }

    public func heartbeat(id: String, owner: String, expiresAt: Date, now: Date) async throws -> Bool {
        defer { snapshots.changed(id) }
        return !(try await rows(
            """
            UPDATE jobs SET lease_expires_at = \(expiresAt.timeIntervalSince1970), updated_at = \(now.timeIntervalSince1970)
            WHERE id = \(id) AND lease_owner = \(owner) AND status = 'PROCESSING' RETURNING id
            """
        )).isEmpty
    }

    public func updateProgress(id: String, owner: String, progress: Double, now: Date) async throws -> Bool {
        defer { snapshots.changed(id) }
        return !(try await rows(
            """
            UPDATE jobs SET progress = \(min(max(progress, 0), 1)), updated_at = \(now.timeIntervalSince1970)
            WHERE id = \(id) AND lease_owner = \(owner) AND status = 'PROCESSING' RETURNING id
            """
        )).isEmpty
    }

    public func cancel(id: String, now: Date) async throws -> Job? {
        defer { snapshots.changed(id) }
        let now = now.timeIntervalSince1970
        return try await rows(
            """
            UPDATE jobs SET status = 'CANCELLED', error = 'cancelled by the client', lease_owner = NULL,
                lease_expires_at = NULL, completed_at = \(now), updated_at = \(now)
            WHERE id = \(id) AND status IN ('QUEUED', 'PROCESSING') RETURNING *
            """
        ).first.map(Self.job(from:))
    }

    public func complete(id: String, owner: String, outputKey: String?, result: JSONValue?, stages: JSONValue?, now: Date)
        async throws -> Bool
    {
        defer { snapshots.changed(id) }
        let resultText = result?.encodedText
        let stagesText = stages?.encodedText
        let now = now.timeIntervalSince1970
        return !(try await rows(
            """
            UPDATE jobs SET status = 'COMPLETED', progress = 1, output_key = \(outputKey), result = \(resultText),
                stages = \(stagesText),
                lease_owner = NULL, lease_expires_at = NULL, completed_at = \(now), updated_at = \(now)
            WHERE id = \(id) AND lease_owner = \(owner) AND status = 'PROCESSING' RETURNING id
            """
        )).isEmpty
    }

    public func fail(id: String, owner: String?, error: String, now: Date) async throws -> Bool {
        defer { snapshots.changed(id) }
        let now = now.timeIntervalSince1970
        // `$5 IS NULL`: any owner (or none); otherwise only the lease owner.
        return !(try await rows(
            """
            UPDATE jobs SET status = 'FAILED', error = \(error), lease_owner = NULL, lease_expires_at = NULL,
                completed_at = \(now), updated_at = \(now)
            WHERE id = \(id) AND status IN ('QUEUED', 'PROCESSING')
              AND (\(owner)::text IS NULL OR lease_owner = \(owner))
            RETURNING id
            """
        )).isEmpty
    }

    public func failAttempt(id: String, owner: String, error: String, now: Date) async throws -> Job? {
        defer { snapshots.changed(id) }
        let now = now.timeIntervalSince1970
        // Every `attempts < max_attempts` reads the row as it was: attempts are left, so queue it again.
        let job = try await rows(
            """
            UPDATE jobs SET status = CASE WHEN attempts < max_attempts THEN 'QUEUED' ELSE 'FAILED' END,
                error = CASE WHEN attempts < max_attempts THEN NULL ELSE \(error) END,
                completed_at = CASE WHEN attempts < max_attempts THEN NULL ELSE \(now) END,
                started_at = CASE WHEN attempts < max_attempts THEN NULL ELSE started_at END,
                progress = CASE WHEN attempts < max_attempts THEN 0 ELSE progress END,
                lease_owner = NULL, lease_expires_at = NULL, updated_at = \(now)
            WHERE id = \(id) AND lease_owner = \(owner) AND status = 'PROCESSING' RETURNING *
            """
        ).first.map(Self.job(from:))
        if job?.status == .queued { workSignal.notify() }
        return job
    }

    public func release(id: String, owner: String, now: Date) async throws {
        defer { snapshots.changed(id) }
        try await rows(
            """
            UPDATE jobs SET status = 'QUEUED', lease_owner = NULL, lease_expires_at = NULL, progress = 0,
                attempts = GREATEST(attempts - 1, 0), started_at = NULL, updated_at = \(now.timeIntervalSince1970)
            WHERE id = \(id) AND lease_owner = \(owner) AND status = 'PROCESSING'
            """)
        workSignal.notify()
    }

    public func failAbandoned(now: Date) async throws -> [Job] {
        let now = now.timeIntervalSince1970
        let jobs = try await rows(
            """
            UPDATE jobs SET status = 'FAILED',
                error = 'the job was interrupted ' || attempts || ' times (its worker stopped responding) and was given up',
                lease_owner = NULL, lease_expires_at = NULL, completed_at = \(now), updated_at = \(now)
            WHERE status = 'PROCESSING' AND lease_expires_at < \(now) AND attempts >= max_attempts
            RETURNING *
            """
        ).map(Self.job(from:))
        snapshots.changed(jobs.map(\.id))
        return jobs
    }

    public func claimIdempotencyKey(_ key: String, apiKeyID: String, bodyHash: String, requestID: String, now: Date)
        async throws -> (requestID: String, bodyHash: String)
    {
        // One statement: the upsert's no-op update makes RETURNING give the row that holds.
        guard
            let row = try await rows(
                """
                INSERT INTO idempotency_keys (api_key_id, key, body_hash, request_id, created_at)
                VALUES (\(apiKeyID), \(key), \(bodyHash), \(requestID), \(now.timeIntervalSince1970))
                ON CONFLICT (api_key_id, key) DO UPDATE SET key = EXCLUDED.key
                RETURNING request_id, body_hash
                """
            ).first
        else {
            throw RenderError("the idempotency key could not be recorded")
        }
        let (held, hash) = try row.decode((String, String).self)
        return (held, hash)
    }

    public func releaseIdempotencyKey(_ key: String, apiKeyID: String, requestID: String) async throws {
        try await rows(
            "DELETE FROM idempotency_keys WHERE api_key_id = \(apiKeyID) AND key = \(key) AND request_id = \(requestID)")
    }

    public func expireIdempotencyKeys(claimedBefore cutoff: Date) async throws {
        try await rows("DELETE FROM idempotency_keys WHERE created_at < \(cutoff.timeIntervalSince1970)")
    }

    public func jobs(apiKeyID: String, filter: JobFilter, limit: Int, offset: Int) async throws -> (jobs: [Job], total: Int) {
        var conditions: [String] = []
        var binds = PostgresBindings()
        func bind(_ condition: (String) -> String, _ value: some PostgresDynamicTypeEncodable) {
            binds.append(value)
            conditions.append(condition("$\(binds.count)"))
        }
        bind({ "api_key_id = \($0)" }, apiKeyID)
        if let status = filter.status { bind({ "status = \($0)" }, status.rawValue) }
        if let model = filter.model { bind({ "model = \($0)" }, model) }
        if let from = filter.from { bind({ "created_at >= \($0)" }, from.timeIntervalSince1970) }
        if let to = filter.to { bind({ "created_at < \($0)" }, to.timeIntervalSince1970) }
        let condition = conditions.joined(separator: " AND ")
        let total = try await rows(PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM jobs WHERE \(condition)", binds: binds))
            .first?.decode(Int.self) ?? 0
        var pageBinds = binds
        pageBinds.append(limit)
        pageBinds.append(offset)
        let page = try await rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT * FROM jobs WHERE \(condition) ORDER BY created_at DESC, id DESC
                    LIMIT $\(binds.count + 1) OFFSET $\(binds.count + 2)
                    """,
                binds: pageBinds))
        return (try page.map(Self.job(from:)), total)
    }

    public func expire(createdBefore cutoff: Date) async throws -> [Job] {
        let jobs = try await rows("DELETE FROM jobs WHERE created_at < \(cutoff.timeIntervalSince1970) RETURNING *")
            .map(Self.job(from:))
        snapshots.changed(jobs.map(\.id))
        return jobs
    }

    public func unfinishedJobCount(apiKeyID: String) async throws -> Int {
        try await rows(
            "SELECT COUNT(*) FROM jobs WHERE api_key_id = \(apiKeyID) AND status IN ('QUEUED', 'PROCESSING')"
        ).first?.decode(Int.self) ?? 0
    }

    public func jobCounts() async throws -> [JobCount] {
        try await rows("SELECT model, status, COUNT(*) FROM jobs GROUP BY model, status").compactMap { row in
            let (model, status, count) = try row.decode((String, String, Int).self)
            return JobStatus(rawValue: status).map { JobCount(model: model, status: $0, count: count) }
        }
    }

    public func waitForWork(timeout: Duration) async {
        await workSignal.wait(timeout: timeout)
    }

    public func recordWorker(id workerID: String, models: [String], now: Date) async throws {
        try await rows(
            """
            INSERT INTO workers (id, models, last_seen)
            VALUES (\(workerID), \(models.sorted().joined(separator: ",")), \(now.timeIntervalSince1970))
            ON CONFLICT (id) DO UPDATE SET models = EXCLUDED.models, last_seen = EXCLUDED.last_seen
            """)
    }

    public func activeWorkerCount(seenSince since: Date) async throws -> Int {
        try await rows("DELETE FROM workers WHERE last_seen < \(since.addingTimeInterval(-3600).timeIntervalSince1970)")
        return try await rows("SELECT COUNT(*) FROM workers WHERE last_seen >= \(since.timeIntervalSince1970)")
            .first?.decode(Int.self) ?? 0
    }

    static func job(from row: PostgresRow) throws -> Job {
        let row = row.makeRandomAccess()
        func text(_ name: String) throws -> String? { try row[name].decode(String?.self) }
        func date(_ name: String) throws -> Date? {
            try row[name].decode(Double?.self).map { Date(timeIntervalSince1970: $0) }
        }
        guard let id = try text("id"), let requestText = try text("request"),
            let status = try text("status").flatMap(JobStatus.init(rawValue:))
        else {
            throw RenderError("a stored job row is malformed")
        }
        let request = try JSONDecoder().decode(JobRequest.self, from: Data(requestText.utf8))
        let result = try text("result").map { try JSONValue.parse(Data($0.utf8)) }
        let stages = try text("stages").map { try JSONValue.parse(Data($0.utf8)) }
        return Job(
            id: id, apiKeyID: try text("api_key_id") ?? "", model: try text("model") ?? "", request: request,
            status: status, progress: try row["progress"].decode(Double?.self) ?? 0,
            attempts: try row["attempts"].decode(Int?.self) ?? 0,
            maxAttempts: try row["max_attempts"].decode(Int?.self) ?? 1, leaseOwner: try text("lease_owner"),
            leaseExpiresAt: try date("lease_expires_at"), error: try text("error"), outputKey: try text("output_key"),
            result: result, stages: stages, cost: Credits(micros: try row["cost_micros"].decode(Int64?.self) ?? 0),
            webhookURL: try text("webhook_url"), screenUntil: try date("screen_until"),
            upstream: UpstreamRequest.stored(try text("upstream")), createdAt: try date("created_at") ?? Date(),
            updatedAt: try date("updated_at"), startedAt: try date("started_at"),
            completedAt: try date("completed_at"))
    }
}
