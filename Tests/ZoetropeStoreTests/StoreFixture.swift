import Foundation
import Logging
import Testing
import ZoetropeCore
import ZoetropeStore
import ZoetropeTestSupport

/// The stores every `JobStoreTests` test runs against: SQLite in a temporary file, and PostgreSQL
/// in a fresh database on the server that `ZOETROPE_TEST_DATABASE_URL` names (created for the test,
/// dropped afterwards). Without that variable only SQLite runs; CI always sets it
/// (`scripts/postgres-for-tests.sh start` prints it).
enum StoreFixture: String, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    /// The admin URL of the test server (`postgres://postgres@127.0.0.1:PORT/postgres`), if any.
    static let databaseURL: String? = TestPostgres.adminURL

    /// The fixtures this run tests: both when a PostgreSQL server is configured.
    static let all: [StoreFixture] = databaseURL == nil ? [.sqlite] : [.sqlite, .postgres]

    /// Far above the server's default: a test machine running every suite at once can hold a
    /// query up for seconds, which is not the database being unavailable.
    static let queryTimeout: Duration = .seconds(60)

    static let logger: Logger = {
        var logger = Logger(label: "zoetrope.store.tests")
        logger.logLevel = .warning
        return logger
    }()

    var testDescription: String { rawValue }

    /// Runs `body` against a fresh, empty store, closing it afterwards (also when `body` throws).
    func withStore(_ body: (any DataStore) async throws -> Void) async throws {
        try await withStores(count: 1) { stores in try await body(stores[0]) }
    }

    /// Runs `body` against `count` stores on one fresh database: separate instances (each with its
    /// own pool and LISTEN connection, as separate processes would have) on PostgreSQL; the same
    /// instance `count` times on SQLite, whose work signal reaches only its own process.
    func withStores(count: Int, _ body: ([any DataStore]) async throws -> Void) async throws {
        switch self {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            let store = try await SQLiteDataStore.open(
                path: directory.appendingPathComponent("z.sqlite").path, logger: Self.logger)
            // The SQLite connection must be closed before it is released (debug builds trap).
            do {
                try await body(Array(repeating: store, count: count))
            } catch {
                try? await store.close()
                throw error
            }
            try await store.close()
        case .postgres:
            try await Self.withPostgresDatabase { url in
                var stores: [any DataStore] = []
                do {
                    for _ in 0..<count {
                        stores.append(try await PostgresDataStore.open(url: url, logger: Self.logger, maximumConnections: 10, queryTimeout: Self.queryTimeout))
                    }
                    try await body(stores)
                } catch {
                    for store in stores { try? await store.close() }
                    throw error
                }
                for store in stores { try await store.close() }
            }
        }
    }

    /// Runs `body` against a store upgraded from an older schema: a fresh database is made at this
    /// fixture's version in `versions` (the stores number their migrations apart), `statements` (rows
    /// an older version wrote) run on it, and the store is then opened as usual, which applies every
    /// later migration.
    func withStoreUpgraded(
        from versions: (sqlite: Int, postgres: Int), seeding statements: [String],
        _ body: (any DataStore) async throws -> Void
    ) async throws {
        switch self {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("z.sqlite").path
            try await Self.using(
                try await SQLiteDataStore.open(path: path, logger: Self.logger, schemaVersion: versions.sqlite)
            ) { old in
                for statement in statements { try await old.execute(statement) }
            }
            try await Self.using(try await SQLiteDataStore.open(path: path, logger: Self.logger), body)
        case .postgres:
            try await Self.withPostgresDatabase { url in
                try await Self.using(
                    try await PostgresDataStore.open(
                        url: url, logger: Self.logger, maximumConnections: 10, schemaVersion: versions.postgres,
                        queryTimeout: Self.queryTimeout)
                ) { old in
                    for statement in statements { try await old.execute(statement) }
                }
                try await Self.using(try await PostgresDataStore.open(url: url, logger: Self.logger, maximumConnections: 10, queryTimeout: Self.queryTimeout), body)
            }
        }
    }

    /// Runs `body` with `store`, closing it afterwards (also when `body` throws).
    private static func using<Store: DataStore>(_ store: Store, _ body: (Store) async throws -> Void) async throws {
        do {
            try await body(store)
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }

    /// Runs `body` with the URL of a fresh, empty database on the test server, dropped afterwards.
    static func withPostgresDatabase(_ body: (String) async throws -> Void) async throws {
        let adminURL = try #require(databaseURL, "ZOETROPE_TEST_DATABASE_URL is not set")
        try await TestPostgres.withDatabase(adminURL: adminURL, prefix: "zoetrope_test_", logger: logger, body)
    }
}
