import SQLiteNIO

/// The schema: the migration SQL, in order, and the runner that applies what the file lacks.
extension SQLiteDataStore {
    /// The migrations, in order; `PRAGMA user_version` counts those applied.
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
        [
            // NULL: passed by the content policy (every job queued before the screen existed).
            "ALTER TABLE jobs ADD COLUMN screen_until REAL",
            """
            CREATE TABLE policy_images (
                id TEXT PRIMARY KEY,
                hash TEXT NOT NULL,
                category TEXT NOT NULL,
                label TEXT NOT NULL,
                added_at REAL NOT NULL
            )
            """,
            """
            CREATE TABLE policy_events (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                job_id TEXT NOT NULL,
                api_key_id TEXT NOT NULL,
                model TEXT NOT NULL,
                category TEXT NOT NULL,
                action TEXT NOT NULL,
                source TEXT NOT NULL,
                field TEXT NOT NULL,
                created_at REAL NOT NULL
            )
            """,
            "CREATE INDEX policy_events_by_created ON policy_events(created_at)",
        ],
        [
            // Where a job runs on an upstream (JSON: the upstream, its slug, its request id);
            // NULL: on this gateway's own renderers.
            "ALTER TABLE jobs ADD COLUMN upstream TEXT",
        ],
        [
            // Where a finished render's time went (JSON: seconds by stage); NULL when not reported.
            "ALTER TABLE jobs ADD COLUMN stages TEXT",
        ],
    ]

    /// The number of migrations; `PRAGMA user_version` is this once the file is up to date.
    public static let schemaVersion = migrations.count

    /// Applies the pending migrations up to `schemaVersion` in one `BEGIN IMMEDIATE` transaction.
    func migrate(to schemaVersion: Int) async throws {
        _ = try await connection.query("BEGIN IMMEDIATE")
        do {
            let version = try await connection.query("PRAGMA user_version").first?.columns.first?.data.integer ?? 0
            for (index, statements) in Self.migrations.prefix(schemaVersion).enumerated() where index >= Int(version) {
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
}
