import Foundation
import Logging
import Testing
import ZoetropeTestSupport

/// The database a test server runs on: SQLite in its data directory, or a fresh PostgreSQL
/// database on the server `ZOETROPE_TEST_DATABASE_URL` names (CI always sets it;
/// `scripts/postgres-for-tests.sh start` prints it). Queue, account and webhook tests run on both.
enum TestDatabase: String, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    static let adminURL: String? = TestPostgres.adminURL

    /// Both when a PostgreSQL server is configured.
    static let all: [TestDatabase] = adminURL == nil ? [.sqlite] : [.sqlite, .postgres]

    var testDescription: String { rawValue }

    private static let logger: Logger = {
        var logger = Logger(label: "zoetrope-test")
        logger.logLevel = .warning
        return logger
    }()

    /// The file in a data directory that remembers its PostgreSQL database's name.
    private static func marker(_ dataDirectory: URL) -> URL {
        dataDirectory.appendingPathComponent("test-postgres-database")
    }

    /// The `--database-url` for a server in `dataDirectory`: nil (SQLite there), or the URL of
    /// the directory's PostgreSQL database, created on first use.
    func url(for dataDirectory: URL) async throws -> String? {
        guard self == .postgres else { return nil }
        let adminURL = try #require(Self.adminURL, "ZOETROPE_TEST_DATABASE_URL is not set")
        let marker = Self.marker(dataDirectory)
        if let name = try? String(contentsOf: marker, encoding: .utf8) {
            return try TestPostgres.url(adminURL: adminURL, database: name)
        }
        let name = try await TestPostgres.createDatabase(adminURL: adminURL, prefix: "zoetrope_server_test_", logger: Self.logger)
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        try name.write(to: marker, atomically: true, encoding: .utf8)
        return try TestPostgres.url(adminURL: adminURL, database: name)
    }

    /// Drops the data directory's PostgreSQL database, if it has one.
    static func dropDatabase(of dataDirectory: URL) async {
        guard let adminURL, let name = try? String(contentsOf: marker(dataDirectory), encoding: .utf8) else { return }
        try? await TestPostgres.dropDatabase(adminURL: adminURL, name: name, logger: logger)
    }
}
