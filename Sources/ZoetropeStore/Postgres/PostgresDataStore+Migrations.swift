import Foundation
import Logging
import PostgresNIO
import ZoetropeCore

/// The schema: the migration SQL, in order, and the runner that applies what a database lacks.
extension PostgresDataStore {
    /// The `pg_advisory_xact_lock` key that serialises migrations across processes.
    static let migrationLockKey: Int64 = 0x5A6F_6574_726F_7065 // "Zoetrope"

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
        [
            // NULL: passed by the content policy (every job queued before the screen existed).
            "ALTER TABLE jobs ADD COLUMN screen_until DOUBLE PRECISION",
            // A queued job the content policy passes wakes idle render slots in every process.
            """
            CREATE TRIGGER jobs_notify_screened AFTER UPDATE OF screen_until ON jobs
            FOR EACH ROW WHEN (NEW.status = 'QUEUED' AND NEW.screen_until IS NULL AND OLD.screen_until IS NOT NULL)
            EXECUTE FUNCTION zoetrope_jobs_notify_work()
            """,
            """
            CREATE TABLE policy_images (
                id TEXT PRIMARY KEY,
                hash TEXT NOT NULL,
                category TEXT NOT NULL,
                label TEXT NOT NULL,
                added_at DOUBLE PRECISION NOT NULL
            )
            """,
            """
            CREATE TABLE policy_events (
                id BIGSERIAL PRIMARY KEY,
                job_id TEXT NOT NULL,
                api_key_id TEXT NOT NULL,
                model TEXT NOT NULL,
                category TEXT NOT NULL,
                action TEXT NOT NULL,
                source TEXT NOT NULL,
                field TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL
            )
            """,
            "CREATE INDEX policy_events_by_created ON policy_events(created_at)",
        ],
        [
            // One token bucket per API key that every gateway shares; `updated_at` is the
            // database's clock, and `allowed` whether the latest take got a token.
            """
            CREATE TABLE rate_limit_buckets (
                key_id TEXT PRIMARY KEY,
                tokens DOUBLE PRECISION NOT NULL,
                updated_at DOUBLE PRECISION NOT NULL,
                allowed BOOLEAN NOT NULL
            )
            """,
        ],
        [
            // Where a job runs on an upstream (JSON: the upstream, its slug, its request id);
            // NULL: on the gateways' own renderers. (IF NOT EXISTS: safe to apply again should
            // the migrations around it ever be renumbered.)
            "ALTER TABLE jobs ADD COLUMN IF NOT EXISTS upstream TEXT",
        ],
        // A take may grant several tokens (a gateway's share), and the buckets skip the
        // write-ahead log: after a crash they start full, which costs nothing worth a disk write per request.
        [
            "ALTER TABLE rate_limit_buckets ADD COLUMN IF NOT EXISTS granted INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE rate_limit_buckets SET UNLOGGED",
        ],
        // Every change to a job tells every process (delivered at commit), so a status poll can be
        // answered from memory until the job changes.
        [
            """
            CREATE OR REPLACE FUNCTION zoetrope_jobs_notify_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    PERFORM pg_notify('zoetrope_jobs', OLD.id);
                ELSE
                    PERFORM pg_notify('zoetrope_jobs', NEW.id);
                END IF;
                RETURN NULL;
            END
            $$
            """,
            "DROP TRIGGER IF EXISTS jobs_notify_changed ON jobs",
            """
            CREATE TRIGGER jobs_notify_changed AFTER INSERT OR UPDATE OR DELETE ON jobs
            FOR EACH ROW EXECUTE FUNCTION zoetrope_jobs_notify_changed()
            """,
        ],
        // Where a finished render's time went (JSON: seconds by stage); NULL when not reported.
        ["ALTER TABLE jobs ADD COLUMN IF NOT EXISTS stages TEXT"],
    ]

    /// The migration versions recorded in `zoetrope_migrations`, ascending.
    public func appliedMigrationVersions() async throws -> [Int] {
        try await rows("SELECT version FROM zoetrope_migrations ORDER BY version").map { try $0.decode(Int.self) }
    }

    /// Applies the pending migrations up to `schemaVersion` in one transaction under an advisory
    /// lock, so two processes opening the same empty database at once apply each version exactly once.
    static func migrate(client: PostgresClient, logger: Logger, to schemaVersion: Int) async throws {
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
                for (index, statements) in migrations.prefix(schemaVersion).enumerated() where !applied.contains(index + 1) {
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
}
