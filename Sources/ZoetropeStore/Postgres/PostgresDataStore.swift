import Foundation
import Logging
import PostgresNIO
import ZoetropeCore

/// The shared store: jobs, API keys, voices and webhook deliveries in one PostgreSQL database, so
/// several gateways and render hosts can work from one queue.
///
/// It keeps the semantics of ``SQLiteDataStore`` exactly: every state change is one SQL statement;
/// credits are reserved, released and refunded, and webhook deliveries queued, by triggers in the
/// statement that inserts, ends or deletes a job; leases and webhook claims take rows with
/// `FOR UPDATE SKIP LOCKED` so concurrent callers never get the same one. Queued or handed-back jobs
/// send `NOTIFY zoetrope_work` from a trigger in the same statement, and every store keeps one
/// `LISTEN`ing connection, so an idle render slot in any process wakes within milliseconds. Times are
/// stored as `DOUBLE PRECISION` epoch seconds, as SQLite stores them.
public final class PostgresDataStore: DataStore, Sendable {
    private let client: PostgresClient
    private let logger: Logger
    /// Runs the connection pool (`client.run()`); cancelled by `close()`.
    private let runTask: Task<Void, Never>
    /// Keeps the `LISTEN zoetrope_work` connection, reconnecting when it drops; cancelled by `close()`.
    private let listenTask: Task<Void, Never>
    /// Wakes this process's idle render slots: from `LISTEN`, and at once after a local insert or release.
    private let workSignal: WorkSignal

    /// The channel that `insert` and `release` notify (from a trigger) and every store listens on.
    static let workChannel = "zoetrope_work"
    /// The `pg_advisory_xact_lock` key that serialises migrations across processes.
    static let migrationLockKey: Int64 = 0x5A6F_6574_726F_7065 // "Zoetrope"

    private init(
        client: PostgresClient, logger: Logger, runTask: Task<Void, Never>, listenTask: Task<Void, Never>,
        workSignal: WorkSignal
    ) {
        self.client = client
        self.logger = logger
        self.runTask = runTask
        self.listenTask = listenTask
        self.workSignal = workSignal
    }

    /// Connects to `url` (`postgres://user:password@host:port/database`, or `postgresql://…`;
    /// `?sslmode=disable|allow|prefer|require|verify-ca|verify-full`, TLS off unless asked for), applies pending
    /// migrations and starts listening for work. `maximumConnections` caps the pool (one more
    /// connection is held for `LISTEN`).
    public static func open(
        url: String, logger: Logger = Logger(label: "zoetrope.store"), maximumConnections: Int = 20
    ) async throws -> PostgresDataStore {
        let parsed = try PostgresURL(url)
        // One plain connection first: an unreachable server or a refused login fails here at once,
        // with the server's own error, rather than after the pool's minute of retries.
        do {
            let probe = try await PostgresConnection.connect(
                configuration: try parsed.connectionConfiguration(), id: 0, logger: logger)
            try? await probe.close()
        } catch {
            throw ConfigurationError(
                "cannot connect to PostgreSQL at \(parsed.host):\(parsed.port)/\(parsed.database) as "
                    + "\(parsed.username): \(describe(error))")
        }
        var configuration = parsed.clientConfiguration()
        // The LISTEN connection is held for good; the pool needs at least one more for queries.
        configuration.options.maximumConnections = max(2, maximumConnections + 1)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let runTask = await startRunning(client)
        do {
            try await migrate(client: client, logger: logger)
        } catch {
            runTask.cancel()
            await runTask.value
            throw error
        }
        let workSignal = WorkSignal()
        let (listening, listeningContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let listenTask = Task {
            await listen(client: client, signal: workSignal, logger: logger, firstAttempt: listeningContinuation)
        }
        // Wait for the first LISTEN to be in place (or to fail), so that a job queued by another
        // process right after `open` returns wakes this store's waiters.
        for await _ in listening { break }
        return PostgresDataStore(
            client: client, logger: logger, runTask: runTask, listenTask: listenTask, workSignal: workSignal)
    }

    /// What went wrong, readably: the server's message for a server error (PostgresNIO's own
    /// description of its errors is deliberately generic).
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            if let underlying = error.underlying { return "\(error.code): \(underlying)" }
            return "\(error.code)"
        }
        return "\(error)"
    }

    /// Stops listening and closes every connection. Call before releasing the store.
    public func close() async throws {
        listenTask.cancel()
        await listenTask.value
        runTask.cancel()
        await runTask.value
    }

    // MARK: - Test databases

    /// Creates database `name` (lowercase letters, digits and `_`) on the server at `adminURL`.
    public static func createDatabase(adminURL: String, name: String, logger: Logger = Logger(label: "zoetrope.store"))
        async throws
    {
        try validateDatabaseName(name)
        try await withTemporaryClient(url: adminURL, logger: logger) { client in
            _ = try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger).collect()
        }
    }

    /// Drops database `name` (if it exists), ending any session still connected to it.
    public static func dropDatabase(adminURL: String, name: String, logger: Logger = Logger(label: "zoetrope.store"))
        async throws
    {
        try validateDatabaseName(name)
        try await withTemporaryClient(url: adminURL, logger: logger) { client in
            _ = try await client.query(
                PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger
            ).collect()
        }
    }

    /// `url` with its database replaced by `database` (for opening a store on a test database).
    public static func url(_ url: String, database: String) throws -> String {
        try validateDatabaseName(database)
        guard var components = URLComponents(string: url) else { throw ConfigurationError("invalid PostgreSQL URL") }
        components.path = "/" + database
        guard let result = components.string else { throw ConfigurationError("invalid PostgreSQL URL") }
        return result
    }

    private static func validateDatabaseName(_ name: String) throws {
        guard !name.isEmpty, name.count <= 63, name.first.map({ $0.isLetter || $0 == "_" }) == true,
            name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" })
        else {
            throw ConfigurationError("invalid database name '\(name)': use lowercase letters, digits and '_'")
        }
    }

    private static func withTemporaryClient(
        url: String, logger: Logger, _ body: (PostgresClient) async throws -> Void
    ) async throws {
        var configuration = try PostgresURL(url).clientConfiguration()
        configuration.options.maximumConnections = 1
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let runTask = await startRunning(client)
        defer { runTask.cancel() }
        try await body(client)
        runTask.cancel()
        await runTask.value
    }

    /// Starts `client.run()` in a new task and returns once that task is about to call it (a
    /// connection leased before `run()` starts still works, but PostgresNIO logs a warning).
    private static func startRunning(_ client: PostgresClient) async -> Task<Void, Never> {
        let (started, signal) = AsyncStream<Void>.makeStream()
        let task = Task {
            signal.finish()
            await client.run()
        }
        for await _ in started {}
        await Task.yield()
        return task
    }

    // MARK: - Migrations

    /// The number of migrations; `zoetrope_migrations` holds one row per applied version.
    public static let schemaVersion = migrations.count

    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE jobs (
                id TEXT PRIMARY KEY,
                api_key_id TEXT NOT NULL,
                model TEXT NOT NULL,
                request TEXT NOT NULL,
                status TEXT NOT NULL,
                progress DOUBLE PRECISION NOT NULL DEFAULT 0,
                attempts INTEGER NOT NULL DEFAULT 0,
                max_attempts INTEGER NOT NULL,
                lease_owner TEXT,
                lease_expires_at DOUBLE PRECISION,
                error TEXT,
                output_key TEXT,
                result TEXT,
                cost_micros BIGINT NOT NULL DEFAULT 0,
                webhook_url TEXT,
                created_at DOUBLE PRECISION NOT NULL,
                updated_at DOUBLE PRECISION NOT NULL,
                started_at DOUBLE PRECISION,
                completed_at DOUBLE PRECISION
            )
            """,
            "CREATE INDEX jobs_by_status ON jobs(status, created_at, id)",
            "CREATE INDEX jobs_by_created ON jobs(created_at)",
            "CREATE INDEX jobs_by_key ON jobs(api_key_id, created_at)",
            "CREATE INDEX jobs_unfinished_by_key ON jobs(api_key_id, status)",
            """
            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                key_hash TEXT NOT NULL UNIQUE,
                created_at DOUBLE PRECISION NOT NULL,
                revoked_at DOUBLE PRECISION,
                credits_micros BIGINT,
                role TEXT NOT NULL DEFAULT 'user',
                access TEXT NOT NULL DEFAULT 'full',
                models TEXT,
                webhook_url TEXT,
                webhook_secret TEXT
            )
            """,
            """
            CREATE TABLE voices (
                id TEXT PRIMARY KEY,
                api_key_id TEXT NOT NULL,
                profile TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL
            )
            """,
            "CREATE INDEX voices_by_key ON voices(api_key_id, created_at)",
            """
            CREATE TABLE idempotency_keys (
                api_key_id TEXT NOT NULL,
                key TEXT NOT NULL,
                body_hash TEXT NOT NULL,
                request_id TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (api_key_id, key)
            )
            """,
            "CREATE INDEX idempotency_by_created ON idempotency_keys(created_at)",
            """
            CREATE TABLE webhook_deliveries (
                id BIGSERIAL PRIMARY KEY,
                job_id TEXT NOT NULL,
                api_key_id TEXT NOT NULL,
                url TEXT NOT NULL,
                body BYTEA,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at DOUBLE PRECISION NOT NULL,
                state TEXT NOT NULL DEFAULT 'pending',
                last_error TEXT,
                created_at DOUBLE PRECISION NOT NULL
            )
            """,
            "CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_attempt_at)",
            "CREATE INDEX webhook_deliveries_by_job ON webhook_deliveries(job_id)",
            """
            CREATE TABLE webhook_attempts (
                delivery_id BIGINT NOT NULL,
                attempt INTEGER NOT NULL,
                at DOUBLE PRECISION NOT NULL,
                status_code INTEGER,
                error TEXT
            )
            """,
            "CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts(delivery_id, attempt)",
            """
            CREATE TABLE workers (
                id TEXT PRIMARY KEY,
                models TEXT NOT NULL,
                last_seen DOUBLE PRECISION NOT NULL
            )
            """,
            "CREATE INDEX workers_by_seen ON workers(last_seen)",
        ],
        [
            // Reserving: the row lock of the UPDATE serialises concurrent submits of one key, and
            // the balance is re-checked on the locked row, so it can never be overspent.
            """
            CREATE FUNCTION zoetrope_jobs_reserve() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.cost_micros > 0 THEN
                    UPDATE api_keys SET credits_micros = credits_micros - NEW.cost_micros
                    WHERE id = NEW.api_key_id AND credits_micros IS NOT NULL AND credits_micros >= NEW.cost_micros;
                    IF NOT FOUND AND EXISTS (
                        SELECT 1 FROM api_keys WHERE id = NEW.api_key_id AND credits_micros IS NOT NULL
                    ) THEN
                        RAISE EXCEPTION 'insufficient credits';
                    END IF;
                END IF;
                RETURN NEW;
            END
            $$
            """,
            """
            CREATE TRIGGER jobs_reserve BEFORE INSERT ON jobs
            FOR EACH ROW EXECUTE FUNCTION zoetrope_jobs_reserve()
            """,
            // Releasing a failed or cancelled job's reservation, and queueing its webhook delivery:
            // part of the statement that ends the job, so neither can be lost.
            """
            CREATE FUNCTION zoetrope_jobs_ended() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF OLD.status IN ('QUEUED', 'PROCESSING') THEN
                    IF NEW.cost_micros > 0 AND NEW.status IN ('FAILED', 'CANCELLED') THEN
                        UPDATE api_keys SET credits_micros = credits_micros + NEW.cost_micros
                        WHERE id = NEW.api_key_id AND credits_micros IS NOT NULL;
                    END IF;
                    IF NEW.webhook_url IS NOT NULL AND NEW.status IN ('COMPLETED', 'FAILED', 'CANCELLED') THEN
                        INSERT INTO webhook_deliveries (job_id, api_key_id, url, next_attempt_at, created_at)
                        VALUES (NEW.id, NEW.api_key_id, NEW.webhook_url, NEW.updated_at, NEW.updated_at);
                    END IF;
                END IF;
                RETURN NULL;
            END
            $$
            """,
            """
            CREATE TRIGGER jobs_ended AFTER UPDATE OF status ON jobs
            FOR EACH ROW EXECUTE FUNCTION zoetrope_jobs_ended()
            """,
            // Deleting (expiring) an unfinished job gives its reservation back.
            """
            CREATE FUNCTION zoetrope_jobs_release_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF OLD.cost_micros > 0 AND OLD.status IN ('QUEUED', 'PROCESSING') THEN
                    UPDATE api_keys SET credits_micros = credits_micros + OLD.cost_micros
                    WHERE id = OLD.api_key_id AND credits_micros IS NOT NULL;
                END IF;
                RETURN NULL;
            END
            $$
            """,
            """
            CREATE TRIGGER jobs_release_deleted AFTER DELETE ON jobs
            FOR EACH ROW EXECUTE FUNCTION zoetrope_jobs_release_deleted()
            """,
            // A queued or handed-back job wakes idle render slots in every process (delivered at commit).
            """
            CREATE FUNCTION zoetrope_jobs_notify_work() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('zoetrope_work', '');
                RETURN NULL;
            END
            $$
            """,
            """
            CREATE TRIGGER jobs_notify_inserted AFTER INSERT ON jobs
            FOR EACH ROW EXECUTE FUNCTION zoetrope_jobs_notify_work()
            """,
            """
            CREATE TRIGGER jobs_notify_requeued AFTER UPDATE OF status ON jobs
            FOR EACH ROW WHEN (NEW.status = 'QUEUED' AND OLD.status IS DISTINCT FROM 'QUEUED')
            EXECUTE FUNCTION zoetrope_jobs_notify_work()
            """,
        ],
    ]

    /// The migration versions recorded in `zoetrope_migrations`, ascending.
    public func appliedMigrationVersions() async throws -> [Int] {
        try await rows("SELECT version FROM zoetrope_migrations ORDER BY version").map { try $0.decode(Int.self) }
    }

    /// Ends every `LISTEN` session on this database from the server side, as a dropped connection
    /// would; returns how many. For tests of the listener's reconnect (a test hook).
    public func terminateListenSessions() async throws -> Int {
        try await rows(
            """
            SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND query ILIKE 'LISTEN%'
            """
        ).count
    }

    /// Applies pending migrations in one transaction under an advisory lock, so two processes
    /// opening the same empty database at once apply each version exactly once.
    private static func migrate(client: PostgresClient, logger: Logger) async throws {
        do {
            try await client.withTransaction(logger: logger) { connection in
                _ = try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLockKey))", logger: logger).collect()
                _ = try await connection.query(
                    """
                    CREATE TABLE IF NOT EXISTS zoetrope_migrations (
                        version INTEGER PRIMARY KEY,
                        applied_at DOUBLE PRECISION NOT NULL
                    )
                    """, logger: logger
                ).collect()
                var applied = Set<Int>()
                for try await version in try await connection.query(
                    "SELECT version FROM zoetrope_migrations", logger: logger
                ).decode(Int.self) {
                    applied.insert(version)
                }
                for (index, statements) in migrations.enumerated() where !applied.contains(index + 1) {
                    for statement in statements {
                        _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).collect()
                    }
                    _ = try await connection.query(
                        "INSERT INTO zoetrope_migrations (version, applied_at) VALUES (\(index + 1), \(Date().timeIntervalSince1970))",
                        logger: logger
                    ).collect()
                    logger.info("applied store migration", metadata: ["version": "\(index + 1)"])
                }
            }
        } catch let error as PostgresTransactionError {
            let cause = error.closureError ?? error.commitError ?? error.beginError ?? error
            throw RenderError("store migration failed: \(describe(cause))")
        }
    }

    // MARK: - LISTEN

    /// Holds one connection that listens on ``workChannel`` and calls `signal.notify()` for every
    /// notification; reconnects with backoff (100 ms doubling to 5 s) when it drops. Yields to
    /// `firstAttempt` once the first LISTEN is in place or has failed.
    private static func listen(
        client: PostgresClient, signal: WorkSignal, logger: Logger, firstAttempt: AsyncStream<Void>.Continuation
    ) async {
        var backoff = Duration.milliseconds(100)
        var reconnecting = false
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: workChannel) { notifications in
                        firstAttempt.yield()
                        if reconnecting {
                            logger.info("listening for work again")
                            // Work queued while the connection was down sent no notification.
                            signal.notify()
                        }
                        backoff = .milliseconds(100)
                        for try await _ in notifications {
                            signal.notify()
                        }
                    }
                }
            } catch {
                if Task.isCancelled { break }
                logger.warning(
                    "the LISTEN connection failed; retrying",
                    metadata: ["error": "\(describe(error))", "retry_in": "\(backoff)"])
            }
            firstAttempt.yield()
            if Task.isCancelled { break }
            reconnecting = true
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(5))
        }
        firstAttempt.finish()
    }

    // MARK: - Queries

    @discardableResult
    private func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await client.query(query, logger: logger).collect()
    }

    private static let encoder = JSONEncoder()

    // MARK: - Jobs

    public func insert(_ job: Job) async throws {
        let request = String(decoding: try Self.encoder.encode(job.request), as: UTF8.self)
        do {
            try await rows(
                """
                INSERT INTO jobs (id, api_key_id, model, request, status, progress, attempts, max_attempts,
                    lease_owner, lease_expires_at, error, output_key, created_at, updated_at, started_at, completed_at,
                    cost_micros, webhook_url)
                VALUES (\(job.id), \(job.apiKeyID), \(job.model), \(request), \(job.status.rawValue), \(job.progress),
                    \(job.attempts), \(job.maxAttempts), \(job.leaseOwner), \(job.leaseExpiresAt?.timeIntervalSince1970),
                    \(job.error), \(job.outputKey), \(job.createdAt.timeIntervalSince1970),
                    \(job.updatedAt.timeIntervalSince1970), \(job.startedAt?.timeIntervalSince1970),
                    \(job.completedAt?.timeIntervalSince1970), \(job.cost.micros), \(job.webhookURL))
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

    public func queuePosition(of job: Job) async throws -> Int {
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

    public func lease(models: [String], owner: String, expiresAt: Date, now: Date) async throws -> Job? {
        guard !models.isEmpty else { return nil }
        let now = now.timeIntervalSince1970
        return try await rows(
            """
            UPDATE jobs SET status = 'PROCESSING', lease_owner = \(owner),
                lease_expires_at = \(expiresAt.timeIntervalSince1970), attempts = attempts + 1, progress = 0,
                started_at = \(now), updated_at = \(now)
            WHERE id = (
                SELECT id FROM jobs
                WHERE model = ANY(\(models))
                  AND (status = 'QUEUED' OR (status = 'PROCESSING' AND lease_expires_at < \(now) AND attempts < max_attempts))
                ORDER BY created_at, id LIMIT 1
                FOR UPDATE SKIP LOCKED)
            RETURNING *
            """
        ).first.map(Self.job(from:))
    }

    public func heartbeat(id: String, owner: String, expiresAt: Date, now: Date) async throws -> Bool {
        !(try await rows(
            """
            UPDATE jobs SET lease_expires_at = \(expiresAt.timeIntervalSince1970), updated_at = \(now.timeIntervalSince1970)
            WHERE id = \(id) AND lease_owner = \(owner) AND status = 'PROCESSING' RETURNING id
            """
        )).isEmpty
    }

    public func updateProgress(id: String, owner: String, progress: Double, now: Date) async throws -> Bool {
        !(try await rows(
            """
            UPDATE jobs SET progress = \(min(max(progress, 0), 1)), updated_at = \(now.timeIntervalSince1970)
            WHERE id = \(id) AND lease_owner = \(owner) AND status = 'PROCESSING' RETURNING id
            """
        )).isEmpty
    }

    public func cancel(id: String, now: Date) async throws -> Job? {
        let now = now.timeIntervalSince1970
        return try await rows(
            """
            UPDATE jobs SET status = 'CANCELLED', error = 'cancelled by the client', lease_owner = NULL,
                lease_expires_at = NULL, completed_at = \(now), updated_at = \(now)
            WHERE id = \(id) AND status IN ('QUEUED', 'PROCESSING') RETURNING *
            """
        ).first.map(Self.job(from:))
    }

    public func complete(id: String, owner: String, outputKey: String?, result: JSONValue?, now: Date) async throws -> Bool {
        let resultText = result.map { String(decoding: $0.encoded(), as: UTF8.self) }
        let now = now.timeIntervalSince1970
        return !(try await rows(
            """
            UPDATE jobs SET status = 'COMPLETED', progress = 1, output_key = \(outputKey), result = \(resultText),
                lease_owner = NULL, lease_expires_at = NULL, completed_at = \(now), updated_at = \(now)
            WHERE id = \(id) AND lease_owner = \(owner) AND status = 'PROCESSING' RETURNING id
            """
        )).isEmpty
    }

    public func fail(id: String, owner: String?, error: String, now: Date) async throws -> Bool {
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

    public func release(id: String, owner: String, now: Date) async throws {
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
        return try await rows(
            """
            UPDATE jobs SET status = 'FAILED',
                error = 'the job was interrupted ' || attempts || ' times (its worker stopped responding) and was given up',
                lease_owner = NULL, lease_expires_at = NULL, completed_at = \(now), updated_at = \(now)
            WHERE status = 'PROCESSING' AND lease_expires_at < \(now) AND attempts >= max_attempts
            RETURNING *
            """
        ).map(Self.job(from:))
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
        try await rows("DELETE FROM jobs WHERE created_at < \(cutoff.timeIntervalSince1970) RETURNING *")
            .map(Self.job(from:))
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

    public func checkReachable() async throws {
        try await rows("SELECT 1")
    }

    private static func job(from row: PostgresRow) throws -> Job {
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
        return Job(
            id: id, apiKeyID: try text("api_key_id") ?? "", model: try text("model") ?? "", request: request,
            status: status, progress: try row["progress"].decode(Double?.self) ?? 0,
            attempts: try row["attempts"].decode(Int?.self) ?? 0,
            maxAttempts: try row["max_attempts"].decode(Int?.self) ?? 1, leaseOwner: try text("lease_owner"),
            leaseExpiresAt: try date("lease_expires_at"), error: try text("error"), outputKey: try text("output_key"),
            result: result, cost: Credits(micros: try row["cost_micros"].decode(Int64?.self) ?? 0),
            webhookURL: try text("webhook_url"), createdAt: try date("created_at") ?? Date(),
            updatedAt: try date("updated_at"), startedAt: try date("started_at"),
            completedAt: try date("completed_at"))
    }

    // MARK: - Voices

    public func saveVoice(_ voice: VoiceProfile) async throws {
        let profile = String(decoding: try Self.encoder.encode(voice), as: UTF8.self)
        try await rows(
            """
            INSERT INTO voices (id, api_key_id, profile, created_at)
            VALUES (\(voice.id), \(voice.apiKeyID), \(profile), \(voice.createdAt.timeIntervalSince1970))
            ON CONFLICT (id) DO UPDATE
                SET api_key_id = EXCLUDED.api_key_id, profile = EXCLUDED.profile, created_at = EXCLUDED.created_at
            """)
    }

    public func voice(id: String, apiKeyID: String) async throws -> VoiceProfile? {
        try await rows("SELECT profile FROM voices WHERE id = \(id) AND api_key_id = \(apiKeyID)")
            .first.map(Self.voice(from:))
    }

    public func voices(apiKeyID: String) async throws -> [VoiceProfile] {
        try await rows("SELECT profile FROM voices WHERE api_key_id = \(apiKeyID) ORDER BY created_at, id")
            .map(Self.voice(from:))
    }

    public func deleteVoice(id: String, apiKeyID: String) async throws -> Bool {
        !(try await rows("DELETE FROM voices WHERE id = \(id) AND api_key_id = \(apiKeyID) RETURNING id")).isEmpty
    }

    private static func voice(from row: PostgresRow) throws -> VoiceProfile {
        let text = try row.decode(String.self)
        return try JSONDecoder().decode(VoiceProfile.self, from: Data(text.utf8))
    }

    // MARK: - Webhooks

    public func claimDueWebhookDeliveries(now: Date, claimUntil: Date, limit: Int) async throws -> [WebhookDelivery] {
        try await rows(
            """
            UPDATE webhook_deliveries SET next_attempt_at = \(claimUntil.timeIntervalSince1970)
            WHERE id IN (
                SELECT id FROM webhook_deliveries
                WHERE state = 'pending' AND next_attempt_at <= \(now.timeIntervalSince1970)
                ORDER BY next_attempt_at LIMIT \(limit)
                FOR UPDATE SKIP LOCKED)
            RETURNING *
            """
        ).map(Self.delivery(from:)).sorted { $0.id < $1.id }
    }

    public func recordWebhookAttempt(
        deliveryID: Int, body: Data, attempt: WebhookAttempt, state: WebhookDelivery.State, nextAttemptAt: Date
    ) async throws {
        // One statement: the log entry and the delivery's new state commit together.
        try await rows(
            """
            WITH logged AS (
                INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, error)
                VALUES (\(deliveryID), \(attempt.attempt), \(attempt.at.timeIntervalSince1970), \(attempt.statusCode),
                    \(attempt.error))
            )
            UPDATE webhook_deliveries SET body = \(body), attempts = \(attempt.attempt), state = \(state.rawValue),
                next_attempt_at = \(nextAttemptAt.timeIntervalSince1970), last_error = \(attempt.error)
            WHERE id = \(deliveryID)
            """)
    }

    public func webhookDeliveries(jobID: String) async throws -> [(WebhookDelivery, [WebhookAttempt])] {
        let deliveries = try await rows("SELECT * FROM webhook_deliveries WHERE job_id = \(jobID) ORDER BY id")
            .map(Self.delivery(from:))
        var result: [(WebhookDelivery, [WebhookAttempt])] = []
        for delivery in deliveries {
            let attempts = try await rows(
                """
                SELECT attempt, at, status_code, error FROM webhook_attempts
                WHERE delivery_id = \(delivery.id) ORDER BY attempt
                """
            ).map { row in
                let (attempt, at, statusCode, error) = try row.decode((Int, Double, Int?, String?).self)
                return WebhookAttempt(attempt: attempt, at: Date(timeIntervalSince1970: at), statusCode: statusCode, error: error)
            }
            result.append((delivery, attempts))
        }
        return result
    }

    public func webhookSecret(apiKeyID: String) async throws -> String {
        // Made on first use; COALESCE keeps the first one if two callers race.
        let fresh = "whsec_" + APIKeyGenerator.makeSecret().dropFirst(3)
        guard
            let secret = try await rows(
                """
                UPDATE api_keys SET webhook_secret = COALESCE(webhook_secret, \(fresh)) WHERE id = \(apiKeyID)
                RETURNING webhook_secret
                """
            ).first?.decode(String.self)
        else { throw RenderError("no key '\(apiKeyID)'") }
        return secret
    }

    private static func delivery(from row: PostgresRow) throws -> WebhookDelivery {
        let row = row.makeRandomAccess()
        return WebhookDelivery(
            id: try row["id"].decode(Int.self), jobID: try row["job_id"].decode(String.self),
            apiKeyID: try row["api_key_id"].decode(String.self), url: try row["url"].decode(String.self),
            body: try row["body"].decode(Data?.self), attempts: try row["attempts"].decode(Int.self),
            nextAttemptAt: Date(timeIntervalSince1970: try row["next_attempt_at"].decode(Double.self)),
            state: WebhookDelivery.State(rawValue: try row["state"].decode(String.self)) ?? .pending,
            lastError: try row["last_error"].decode(String?.self),
            createdAt: Date(timeIntervalSince1970: try row["created_at"].decode(Double.self)))
    }

    // MARK: - API keys

    public func insertKey(_ key: APIKey) async throws {
        let models = try key.models.map { String(decoding: try Self.encoder.encode($0), as: UTF8.self) }
        try await rows(
            """
            INSERT INTO api_keys (id, name, key_hash, created_at, revoked_at, role, access, models, credits_micros,
                webhook_url)
            VALUES (\(key.id), \(key.name), \(key.keyHash), \(key.createdAt.timeIntervalSince1970),
                \(key.revokedAt?.timeIntervalSince1970), \(key.role.rawValue), \(key.access.rawValue), \(models),
                \(key.credits?.micros), \(key.webhookURL))
            """)
    }

    public func key(hash: String) async throws -> APIKey? {
        try await rows("SELECT * FROM api_keys WHERE key_hash = \(hash)").first.map(Self.key(from:))
    }

    public func key(id: String) async throws -> APIKey? {
        try await rows("SELECT * FROM api_keys WHERE id = \(id)").first.map(Self.key(from:))
    }

    public func keys() async throws -> [APIKey] {
        try await rows("SELECT * FROM api_keys ORDER BY created_at").map(Self.key(from:))
    }

    public func revokeKey(id: String, now: Date) async throws -> Bool {
        !(try await rows(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, \(now.timeIntervalSince1970)) WHERE id = \(id) RETURNING id"
        )).isEmpty
    }

    public func changeCredits(id: String, amount: Credits?, set: Bool) async throws -> APIKey? {
        let micros = amount?.micros
        let query: PostgresQuery =
            set
            ? "UPDATE api_keys SET credits_micros = \(micros)::bigint WHERE id = \(id) RETURNING *"
            : "UPDATE api_keys SET credits_micros = COALESCE(credits_micros, 0) + \(micros)::bigint WHERE id = \(id) RETURNING *"
        return try await rows(query).first.map(Self.key(from:))
    }

    private static func key(from row: PostgresRow) throws -> APIKey {
        let row = row.makeRandomAccess()
        return APIKey(
            id: try row["id"].decode(String.self), name: try row["name"].decode(String.self),
            keyHash: try row["key_hash"].decode(String.self),
            createdAt: Date(timeIntervalSince1970: try row["created_at"].decode(Double.self)),
            revokedAt: try row["revoked_at"].decode(Double?.self).map { Date(timeIntervalSince1970: $0) },
            role: APIKey.Role(rawValue: try row["role"].decode(String.self)) ?? .user,
            access: APIKey.Access(rawValue: try row["access"].decode(String.self)) ?? .full,
            models: try row["models"].decode(String?.self).map {
                try JSONDecoder().decode([String].self, from: Data($0.utf8))
            },
            credits: try row["credits_micros"].decode(Int64?.self).map { Credits(micros: $0) },
            webhookURL: try row["webhook_url"].decode(String?.self))
    }
}

/// A `postgres://` or `postgresql://` URL taken apart: `user:password@host:port/database?sslmode=…`.
/// Missing parts default as libpq's do: port 5432, user `postgres`, database named as the user.
struct PostgresURL: Sendable, Equatable {
    enum TLSMode: String, Sendable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    var host: String
    var port: Int
    var username: String
    var password: String?
    var database: String
    var tlsMode: TLSMode

    init(_ text: String) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "postgres" || scheme == "postgresql"
        else {
            throw ConfigurationError("invalid PostgreSQL URL: expected postgres://user:password@host:port/database")
        }
        guard let host = components.host, !host.isEmpty else {
            throw ConfigurationError("invalid PostgreSQL URL: no host")
        }
        // IPv6 literals come back bracketed.
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        port = components.port ?? 5432
        username = components.user.flatMap { $0.isEmpty ? nil : $0 } ?? "postgres"
        password = components.password
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? username : path
        var tlsMode = TLSMode.disable
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw ConfigurationError("invalid PostgreSQL URL: unknown sslmode '\(item.value ?? "")'")
                }
                tlsMode = mode
            case "application_name", "connect_timeout":
                continue
            default:
                throw ConfigurationError("invalid PostgreSQL URL: unsupported parameter '\(item.name)'")
            }
        }
        self.tlsMode = tlsMode
    }

    /// The TLS settings of the mode: `prefer` and `require` encrypt without checking the
    /// certificate (as libpq does), `verify-ca` checks the chain, `verify-full` the host name too.
    private var tlsConfiguration: TLSConfiguration? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch tlsMode {
        case .disable, .allow: return nil
        case .prefer, .require: configuration.certificateVerification = .none
        case .verifyCA: configuration.certificateVerification = .noHostnameVerification
        case .verifyFull: break
        }
        return configuration
    }

    func clientConfiguration() -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch (tlsMode, tlsConfiguration) {
            case (_, nil): .disable
            case (.prefer, let configuration?): .prefer(configuration)
            case (_, let configuration?): .require(configuration)
            }
        return PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
    }

    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS =
            switch (tlsMode, tlsConfiguration) {
            case (_, nil): .disable
            case (.prefer, let configuration?): .prefer(try NIOSSLContext(configuration: configuration))
            case (_, let configuration?): .require(try NIOSSLContext(configuration: configuration))
            }
        return PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
    }
}
