import Foundation
import Logging
import SQLiteNIO
import ZoetropeCore

/// The embedded store: jobs, API keys, voices, webhook deliveries and the content policy's lists in
/// one SQLite file (WAL mode, synchronous commits).
/// Every state change is a single SQL statement, so concurrent callers on one connection can
/// never interleave inside a change.
public final class SQLiteDataStore: DataStore, Sendable {
    let connection: SQLiteConnection
    /// The database file.
    public let path: String
    /// Wakes this process's idle render slots when a job is queued, passed by the content policy or handed back.
    let workSignal = WorkSignal()
    /// Key changes made through this store (another process's, `zoetrope keys revoke`'s, are not
    /// seen here: caches keep a verified key for at most a second).
    public let keyChanges = KeyChanges()
    /// Job states read recently; every job write here tells it (no other process writes the file's jobs).
    let snapshots = JobSnapshotCache()

    private init(connection: SQLiteConnection, path: String) {
        self.connection = connection
        self.path = path
    }

    /// Opens (creating if needed) the database file and applies pending migrations.
    public static func open(path: String, logger: Logger = Logger(label: "zoetrope.store")) async throws -> SQLiteDataStore {
        try await open(path: path, logger: logger, schemaVersion: schemaVersion)
    }

    /// Opens (creating if needed) the database file and applies the pending migrations up to
    /// `schemaVersion` only. For tests of upgrades from an older schema (a test hook).
    package static func open(path: String, logger: Logger, schemaVersion: Int) async throws -> SQLiteDataStore {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let store = SQLiteDataStore(connection: connection, path: path)
        do {
            _ = try await connection.query("PRAGMA journal_mode=WAL")
            _ = try await connection.query("PRAGMA busy_timeout=10000")
            _ = try await connection.query("PRAGMA synchronous=FULL")
            try await store.migrate(to: schemaVersion)
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

    public func checkReachable() async throws {
        _ = try await connection.query("SELECT 1")
    }

    /// Runs `sql` as it is. For tests that write rows an older schema held (a test hook).
    package func execute(_ sql: String) async throws {
        defer { snapshots.changed(nil) }
        _ = try await connection.query(sql)
    }

    // MARK: - Queries

    /// Encodes requests, voices and model lists as the JSON text the tables hold.
    static let encoder = JSONEncoder()
}
