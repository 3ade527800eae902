import Foundation
import Logging
import ZoetropeStore

/// The PostgreSQL server the store and server tests run against, and fresh databases on it.
///
/// `ZOETROPE_TEST_DATABASE_URL` names the server's admin URL (`postgres://postgres@127.0.0.1:PORT/postgres`);
/// CI always sets it, and `scripts/postgres-for-tests.sh start` prints it. Without it, tests run on SQLite only.
package enum TestPostgres {
    /// The admin URL of the test server, if one is configured.
    package static let adminURL: String? = ProcessInfo.processInfo.environment["ZOETROPE_TEST_DATABASE_URL"]
        .flatMap { $0.isEmpty ? nil : $0 }

    /// Creates an empty database named `prefix` and a random suffix on the server at `adminURL`;
    /// returns its name.
    package static func createDatabase(adminURL: String, prefix: String, logger: Logger) async throws -> String {
        let name = prefix + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await PostgresDatabaseAdmin.createDatabase(adminURL: adminURL, name: name, logger: logger)
        return name
    }

    /// The URL of database `name` on the server at `adminURL`.
    package static func url(adminURL: String, database name: String) throws -> String {
        try PostgresDatabaseAdmin.url(adminURL, database: name)
    }

    /// Drops database `name` on the server at `adminURL`, ending any session still connected to it.
    package static func dropDatabase(adminURL: String, name: String, logger: Logger) async throws {
        try await PostgresDatabaseAdmin.dropDatabase(adminURL: adminURL, name: name, logger: logger)
    }

    /// Runs `body` with the URL of a fresh, empty database (named `prefix` and a random suffix),
    /// dropping it afterwards, also when `body` throws.
    package static func withDatabase(
        adminURL: String, prefix: String, logger: Logger, _ body: (String) async throws -> Void
    ) async throws {
        let name = try await createDatabase(adminURL: adminURL, prefix: prefix, logger: logger)
        do {
            try await body(try url(adminURL: adminURL, database: name))
        } catch {
            try? await dropDatabase(adminURL: adminURL, name: name, logger: logger)
            throw error
        }
        try await dropDatabase(adminURL: adminURL, name: name, logger: logger)
    }
}
