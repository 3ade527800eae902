import Foundation
import Logging
import SQLiteNIO
import ZoetropeCore

/// The embedded store: jobs, API keys, voices and webhook deliveries in one SQLite file (WAL mode,
/// synchronous commits).
/// Every state change is a single SQL statement, so concurrent callers on one connection can
/// never interleave inside a change.
public final class SQLiteDataStore: DataStore, Sendable {
    private let connection: SQLiteConnection
    public let path: String
    /// Wakes this process's idle render slots when a job is queued or handed back.
    private let workSignal = WorkSignal()

    private init(connection: SQLiteConnection, path: String) {
        self.connection = connection
        self.path = path
    }

    /// Opens (creating if needed) the database file and applies pending migrations.
    public static func open(path: String, logger: Logger = Logger(label: "zoetrope.store")) async throws -> SQLiteDataStore {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let store = SQLiteDataStore(connection: connection, path: path)
        do {
            _ = try await connection.query("PRAGMA journal_mode=WAL")
            _ = try await connection.query("PRAGMA busy_timeout=10000")
            _ = try await connection.query("PRAGMA synchronous=FULL")
            try await store.migrate()
        } catch {
            try? await connection.close()
            throw error
        }
        return store
    }

    /// Closes the connection. Call before releasing the store.
    public func close() async throws {
        try await connection.close()
    }

    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE jobs (
                id TEXT PRIMARY KEY,
                api_key_id TEXT NOT NULL,
                model TEXT NOT NULL,
                request TEXT NOT NULL,
                status TEXT NOT NULL,
                progress REAL NOT NULL DEFAULT 0,
                attempts INTEGER NOT NULL DEFAULT 0,
                max_attempts INTEGER NOT NULL,
                lease_owner TEXT,
                lease_expires_at REAL,
                error TEXT,
                output_key TEXT,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                started_at REAL,
                completed_at REAL
            )
            """,
            "CREATE INDEX jobs_by_status ON jobs(status, created_at, id)",
            "CREATE INDEX jobs_by_created ON jobs(created_at)",
            """
            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                key_hash TEXT NOT NULL UNIQUE,
                created_at REAL NOT NULL,
                revoked_at REAL
            )
            """,
        ],
        [
            "ALTER TABLE jobs ADD COLUMN result TEXT",
            """
            CREATE TABLE voices (
                id TEXT PRIMARY KEY,
                api_key_id TEXT NOT NULL,
                profile TEXT NOT NULL,
                created_at REAL NOT NULL
            )
            """,
            "CREATE INDEX voices_by_key ON voices(api_key_id, created_at)",
        ],
        [
            """
            CREATE TABLE idempotency_keys (
                api_key_id TEXT NOT NULL,
                key TEXT NOT NULL,
                body_hash TEXT NOT NULL,
                request_id TEXT NOT NULL,
                created_at REAL NOT NULL,
                PRIMARY KEY (api_key_id, key)
            )
            """,
            "CREATE INDEX idempotency_by_created ON idempotency_keys(created_at)",
            "CREATE INDEX jobs_by_key ON jobs(api_key_id, created_at)",
        ],
        [
            // Credits in whole millionths; NULL: the key is not metered.
            "ALTER TABLE api_keys ADD COLUMN credits_micros INTEGER",
            "ALTER TABLE api_keys ADD COLUMN role TEXT NOT NULL DEFAULT 'user'",
            "ALTER TABLE api_keys ADD COLUMN access TEXT NOT NULL DEFAULT 'full'",
            "ALTER TABLE api_keys ADD COLUMN models TEXT",
            "ALTER TABLE jobs ADD COLUMN cost_micros INTEGER NOT NULL DEFAULT 0",
            // Reserving, releasing: part of the statement that inserts, ends or deletes the job,
            // so a balance can neither be overspent by concurrent submits nor lose a refund.
            """
            CREATE TRIGGER jobs_reserve_check BEFORE INSERT ON jobs WHEN NEW.cost_micros > 0
            BEGIN
                SELECT RAISE(ABORT, 'insufficient credits')
                WHERE (SELECT credits_micros FROM api_keys WHERE id = NEW.api_key_id) < NEW.cost_micros;
            END
            """,
            """
            CREATE TRIGGER jobs_reserve AFTER INSERT ON jobs WHEN NEW.cost_micros > 0
            BEGIN
                UPDATE api_keys SET credits_micros = credits_micros - NEW.cost_micros
                WHERE id = NEW.api_key_id AND credits_micros IS NOT NULL;
            END
            """,
            """
            CREATE TRIGGER jobs_release AFTER UPDATE OF status ON jobs
            WHEN NEW.cost_micros > 0 AND NEW.status IN ('FAILED', 'CANCELLED') AND OLD.status IN ('QUEUED', 'PROCESSING')
            BEGIN
                UPDATE api_keys SET credits_micros = credits_micros + NEW.cost_micros
                WHERE id = NEW.api_key_id AND credits_micros IS NOT NULL;
            END
            """,
            """
            CREATE TRIGGER jobs_release_expired AFTER DELETE ON jobs
            WHEN OLD.cost_micros > 0 AND OLD.status IN ('QUEUED', 'PROCESSING')
            BEGIN
                UPDATE api_keys SET credits_micros = credits_micros + OLD.cost_micros
                WHERE id = OLD.api_key_id AND credits_micros IS NOT NULL;
            END
            """,
        ],
        [
            "ALTER TABLE jobs ADD COLUMN webhook_url TEXT",
            "ALTER TABLE api_keys ADD COLUMN webhook_url TEXT",
            "ALTER TABLE api_keys ADD COLUMN webhook_secret TEXT",
            """
            CREATE TABLE webhook_deliveries (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                job_id TEXT NOT NULL,
                api_key_id TEXT NOT NULL,
                url TEXT NOT NULL,
                body BLOB,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at REAL NOT NULL,
                state TEXT NOT NULL DEFAULT 'pending',
                last_error TEXT,
                created_at REAL NOT NULL
            )
            """,
            "CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_attempt_at)",
            "CREATE INDEX webhook_deliveries_by_job ON webhook_deliveries(job_id)",
            """
            CREATE TABLE webhook_attempts (
                delivery_id INTEGER NOT NULL,
                attempt INTEGER NOT NULL,
                at REAL NOT NULL,
                status_code INTEGER,
                error TEXT
            )
            """,
            // Queued in the statement that ends the job, so a crash cannot lose it.
            """
            CREATE TRIGGER jobs_webhook AFTER UPDATE OF status ON jobs
            WHEN NEW.webhook_url IS NOT NULL AND NEW.status IN ('COMPLETED', 'FAILED', 'CANCELLED')
                AND OLD.status IN ('QUEUED', 'PROCESSING')
            BEGIN
                INSERT INTO webhook_deliveries (job_id, api_key_id, url, next_attempt_at, created_at)
                VALUES (NEW.id, NEW.api_key_id, NEW.webhook_url, NEW.updated_at, NEW.updated_at);
            END
            """,
        ],
        [
            """
            CREATE TABLE workers (
                id TEXT PRIMARY KEY,
                models TEXT NOT NULL,
                last_seen REAL NOT NULL
            )
            """,
            "CREATE INDEX workers_by_seen ON workers(last_seen)",
            "CREATE INDEX jobs_unfinished_by_key ON jobs(api_key_id, status)",
        ],
    ]

    private func migrate() async throws {
        _ = try await connection.query("BEGIN IMMEDIATE")
        do {
            let version = try await connection.query("PRAGMA user_version").first?.columns.first?.data.integer ?? 0
            for (index, statements) in Self.migrations.enumerated() where index >= Int(version) {
                for statement in statements {
                    _ = try await connection.query(statement)
                }
                _ = try await connection.query("PRAGMA user_version = \(index + 1)")
            }
            _ = try await connection.query("COMMIT")
        } catch {
            _ = try? await connection.query("ROLLBACK")
            throw error
        }
    }

    // MARK: - Jobs

    private static let encoder = JSONEncoder()

    public func insert(_ job: Job) async throws {
        let request = String(decoding: try Self.encoder.encode(job.request), as: UTF8.self)
        do {
            _ = try await connection.query(
                """
                INSERT INTO jobs (id, api_key_id, model, request, status, progress, attempts, max_attempts,
                    lease_owner, lease_expires_at, error, output_key, created_at, updated_at, started_at, completed_at,
                    cost_micros, webhook_url)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(job.id), .text(job.apiKeyID), .text(job.model), .text(request), .text(job.status.rawValue),
                    .float(job.progress), .integer(job.attempts), .integer(job.maxAttempts), .optionalText(job.leaseOwner),
                    .optionalDate(job.leaseExpiresAt), .optionalText(job.error), .optionalText(job.outputKey),
                    .date(job.createdAt), .date(job.updatedAt), .optionalDate(job.startedAt), .optionalDate(job.completedAt),
                    .integer(Int(job.cost.micros)), .optionalText(job.webhookURL),
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

    public func queuePosition(of job: Job) async throws -> Int {
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

    public func lease(models: [String], owner: String, expiresAt: Date, now: Date) async throws -> Job? {
        guard !models.isEmpty else { return nil }
        let placeholders = Array(repeating: "?", count: models.count).joined(separator: ", ")
        let rows = try await connection.query(
            """
            UPDATE jobs SET status = 'PROCESSING', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1,
                progress = 0, started_at = ?, updated_at = ?
            WHERE id = (
                SELECT id FROM jobs
                WHERE model IN (\(placeholders))
                  AND (status = 'QUEUED' OR (status = 'PROCESSING' AND lease_expires_at < ? AND attempts < max_attempts))
                ORDER BY created_at, id LIMIT 1)
            RETURNING *
            """,
            [.text(owner), .date(expiresAt), .date(now), .date(now)] + models.map { .text($0) } + [.date(now)])
        return try rows.first.map(Self.job(from:))
    }

    public func heartbeat(id: String, owner: String, expiresAt: Date, now: Date) async throws -> Bool {
        let rows = try await connection.query(
            """
            UPDATE jobs SET lease_expires_at = ?, updated_at = ?
            WHERE id = ? AND lease_owner = ? AND status = 'PROCESSING' RETURNING id
            """,
            [.date(expiresAt), .date(now), .text(id), .text(owner)])
        return !rows.isEmpty
    }

    public func updateProgress(id: String, owner: String, progress: Double, now: Date) async throws -> Bool {
        !(try await connection.query(
            """
            UPDATE jobs SET progress = ?, updated_at = ? WHERE id = ? AND lease_owner = ? AND status = 'PROCESSING'
            RETURNING id
            """,
            [.float(min(max(progress, 0), 1)), .date(now), .text(id), .text(owner)])).isEmpty
    }

    public func cancel(id: String, now: Date) async throws -> Job? {
        try await connection.query(
            """
            UPDATE jobs SET status = 'CANCELLED', error = 'cancelled by the client', lease_owner = NULL,
                lease_expires_at = NULL, completed_at = ?, updated_at = ?
            WHERE id = ? AND status IN ('QUEUED', 'PROCESSING') RETURNING *
            """,
            [.date(now), .date(now), .text(id)]).first.map(Self.job(from:))
    }

    public func complete(id: String, owner: String, outputKey: String?, result: JSONValue?, now: Date) async throws -> Bool {
        let resultText = result.map { String(decoding: $0.encoded(), as: UTF8.self) }
        let rows = try await connection.query(
            """
            UPDATE jobs SET status = 'COMPLETED', progress = 1, output_key = ?, result = ?, lease_owner = NULL,
                lease_expires_at = NULL, completed_at = ?, updated_at = ?
            WHERE id = ? AND lease_owner = ? AND status = 'PROCESSING' RETURNING id
            """,
            [.optionalText(outputKey), .optionalText(resultText), .date(now), .date(now), .text(id), .text(owner)])
        return !rows.isEmpty
    }

    public func fail(id: String, owner: String?, error: String, now: Date) async throws -> Bool {
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

    public func release(id: String, owner: String, now: Date) async throws {
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
        return try rows.map(Self.job(from:))
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
        return try rows.map(Self.job(from:))
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

    public func checkReachable() async throws {
        _ = try await connection.query("SELECT 1")
    }

    private static func job(from row: SQLiteRow) throws -> Job {
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
        return Job(
            id: id, apiKeyID: text("api_key_id") ?? "", model: text("model") ?? "", request: request, status: status,
            progress: row.column("progress")?.double ?? 0, attempts: Int(row.column("attempts")?.integer ?? 0),
            maxAttempts: Int(row.column("max_attempts")?.integer ?? 1), leaseOwner: text("lease_owner"),
            leaseExpiresAt: date("lease_expires_at"), error: text("error"), outputKey: text("output_key"),
            result: result, cost: Credits(micros: Int64(row.column("cost_micros")?.integer ?? 0)),
            webhookURL: text("webhook_url"), createdAt: date("created_at") ?? Date(), updatedAt: date("updated_at"), startedAt: date("started_at"),
            completedAt: date("completed_at"))
    }

    // MARK: - Voices

    public func saveVoice(_ voice: VoiceProfile) async throws {
        let profile = String(decoding: try Self.encoder.encode(voice), as: UTF8.self)
        _ = try await connection.query(
            "INSERT OR REPLACE INTO voices (id, api_key_id, profile, created_at) VALUES (?, ?, ?, ?)",
            [.text(voice.id), .text(voice.apiKeyID), .text(profile), .date(voice.createdAt)])
    }

    public func voice(id: String, apiKeyID: String) async throws -> VoiceProfile? {
        try await connection.query(
            "SELECT profile FROM voices WHERE id = ? AND api_key_id = ?", [.text(id), .text(apiKeyID)]
        ).first.map(Self.voice(from:))
    }

    public func voices(apiKeyID: String) async throws -> [VoiceProfile] {
        try await connection.query(
            "SELECT profile FROM voices WHERE api_key_id = ? ORDER BY created_at, id", [.text(apiKeyID)]
        ).map(Self.voice(from:))
    }

    public func deleteVoice(id: String, apiKeyID: String) async throws -> Bool {
        !(try await connection.query(
            "DELETE FROM voices WHERE id = ? AND api_key_id = ? RETURNING id", [.text(id), .text(apiKeyID)])).isEmpty
    }

    private static func voice(from row: SQLiteRow) throws -> VoiceProfile {
        guard let text = row.column("profile")?.string else { throw RenderError("a stored voice row is malformed") }
        return try JSONDecoder().decode(VoiceProfile.self, from: Data(text.utf8))
    }

    // MARK: - Webhooks

    public func claimDueWebhookDeliveries(now: Date, claimUntil: Date, limit: Int) async throws -> [WebhookDelivery] {
        try await connection.query(
            """
            UPDATE webhook_deliveries SET next_attempt_at = ?
            WHERE id IN (
                SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= ?
                ORDER BY next_attempt_at LIMIT ?)
            RETURNING *
            """,
            [.date(claimUntil), .date(now), .integer(limit)]
        ).map(Self.delivery(from:)).sorted { $0.id < $1.id }
    }

    public func recordWebhookAttempt(
        deliveryID: Int, body: Data, attempt: WebhookAttempt, state: WebhookDelivery.State, nextAttemptAt: Date
    ) async throws {
        // The log first: a crash between the two statements repeats an attempt, never hides one.
        _ = try await connection.query(
            "INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, error) VALUES (?, ?, ?, ?, ?)",
            [.integer(deliveryID), .integer(attempt.attempt), .date(attempt.at),
             attempt.statusCode.map { .integer($0) } ?? .null, .optionalText(attempt.error)])
        _ = try await connection.query(
            """
            UPDATE webhook_deliveries SET body = ?, attempts = ?, state = ?, next_attempt_at = ?, last_error = ?
            WHERE id = ?
            """,
            [.blob(ByteBuffer(bytes: body)), .integer(attempt.attempt), .text(state.rawValue), .date(nextAttemptAt),
             .optionalText(attempt.error), .integer(deliveryID)])
    }

    public func webhookDeliveries(jobID: String) async throws -> [(WebhookDelivery, [WebhookAttempt])] {
        let deliveries = try await connection.query(
            "SELECT * FROM webhook_deliveries WHERE job_id = ? ORDER BY id", [.text(jobID)]
        ).map(Self.delivery(from:))
        var result: [(WebhookDelivery, [WebhookAttempt])] = []
        for delivery in deliveries {
            let attempts = try await connection.query(
                "SELECT * FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt", [.integer(delivery.id)]
            ).map { row in
                WebhookAttempt(
                    attempt: Int(row.column("attempt")?.integer ?? 0),
                    at: Date(timeIntervalSince1970: row.column("at")?.double ?? 0),
                    statusCode: row.column("status_code")?.integer.map { Int($0) }, error: row.column("error")?.string)
            }
            result.append((delivery, attempts))
        }
        return result
    }

    public func webhookSecret(apiKeyID: String) async throws -> String {
        // Made on first use; COALESCE keeps the first one if two callers race.
        let fresh = "whsec_" + APIKeyGenerator.makeSecret().dropFirst(3)
        let row = try await connection.query(
            "UPDATE api_keys SET webhook_secret = COALESCE(webhook_secret, ?) WHERE id = ? RETURNING webhook_secret",
            [.text(fresh), .text(apiKeyID)]).first
        guard let secret = row?.column("webhook_secret")?.string else { throw RenderError("no key '\(apiKeyID)'") }
        return secret
    }

    private static func delivery(from row: SQLiteRow) -> WebhookDelivery {
        WebhookDelivery(
            id: Int(row.column("id")?.integer ?? 0), jobID: row.column("job_id")?.string ?? "",
            apiKeyID: row.column("api_key_id")?.string ?? "", url: row.column("url")?.string ?? "",
            body: row.column("body")?.blob.map { Data($0.readableBytesView) },
            attempts: Int(row.column("attempts")?.integer ?? 0),
            nextAttemptAt: Date(timeIntervalSince1970: row.column("next_attempt_at")?.double ?? 0),
            state: row.column("state")?.string.flatMap(WebhookDelivery.State.init(rawValue:)) ?? .pending,
            lastError: row.column("last_error")?.string,
            createdAt: Date(timeIntervalSince1970: row.column("created_at")?.double ?? 0))
    }

    // MARK: - API keys

    public func insertKey(_ key: APIKey) async throws {
        _ = try await connection.query(
            """
            INSERT INTO api_keys (id, name, key_hash, created_at, revoked_at, role, access, models, credits_micros,
                webhook_url)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [.text(key.id), .text(key.name), .text(key.keyHash), .date(key.createdAt), .optionalDate(key.revokedAt),
             .text(key.role.rawValue), .text(key.access.rawValue),
             .optionalText(try key.models.map { String(decoding: try Self.encoder.encode($0), as: UTF8.self) }),
             key.credits.map { .integer(Int($0.micros)) } ?? .null, .optionalText(key.webhookURL)])
    }

    public func key(hash: String) async throws -> APIKey? {
        try await connection.query("SELECT * FROM api_keys WHERE key_hash = ?", [.text(hash)]).first.map(Self.key(from:))
    }

    public func key(id: String) async throws -> APIKey? {
        try await connection.query("SELECT * FROM api_keys WHERE id = ?", [.text(id)]).first.map(Self.key(from:))
    }

    public func keys() async throws -> [APIKey] {
        try await connection.query("SELECT * FROM api_keys ORDER BY created_at").map(Self.key(from:))
    }

    public func revokeKey(id: String, now: Date) async throws -> Bool {
        !(try await connection.query(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? RETURNING id",
            [.date(now), .text(id)])).isEmpty
    }

    public func changeCredits(id: String, amount: Credits?, set: Bool) async throws -> APIKey? {
        let value: SQLiteData = amount.map { .integer(Int($0.micros)) } ?? .null
        let sql = set
            ? "UPDATE api_keys SET credits_micros = ? WHERE id = ? RETURNING *"
            : "UPDATE api_keys SET credits_micros = COALESCE(credits_micros, 0) + ? WHERE id = ? RETURNING *"
        return try await connection.query(sql, [value, .text(id)]).first.map(Self.key(from:))
    }

    private static func key(from row: SQLiteRow) throws -> APIKey {
        APIKey(
            id: row.column("id")?.string ?? "", name: row.column("name")?.string ?? "",
            keyHash: row.column("key_hash")?.string ?? "",
            createdAt: Date(timeIntervalSince1970: row.column("created_at")?.double ?? 0),
            revokedAt: row.column("revoked_at")?.double.map { Date(timeIntervalSince1970: $0) },
            role: row.column("role")?.string.flatMap(APIKey.Role.init(rawValue:)) ?? .user,
            access: row.column("access")?.string.flatMap(APIKey.Access.init(rawValue:)) ?? .full,
            models: try row.column("models")?.string.map { try JSONDecoder().decode([String].self, from: Data($0.utf8)) },
            credits: row.column("credits_micros")?.integer.map { Credits(micros: Int64($0)) },
            webhookURL: row.column("webhook_url")?.string)
    }
}

extension SQLiteData {
    fileprivate static func date(_ date: Date) -> SQLiteData { .float(date.timeIntervalSince1970) }
    fileprivate static func optionalDate(_ date: Date?) -> SQLiteData { date.map { .date($0) } ?? .null }
    fileprivate static func optionalText(_ text: String?) -> SQLiteData { text.map { .text($0) } ?? .null }
}
