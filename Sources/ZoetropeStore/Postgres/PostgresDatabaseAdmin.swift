import Foundation
import Logging
import PostgresNIO
import ZoetropeCore

/// Makes and drops whole databases on a PostgreSQL server, for test fixtures (`ZoetropeTestSupport`)
/// and `zoetrope bench queue`'s scratch database; not part of any store's API.
package enum PostgresDatabaseAdmin {
    /// Creates database `name` (lowercase letters, digits and `_`) on the server at `adminURL`.
    package static func createDatabase(adminURL: String, name: String, logger: Logger = Logger(label: "zoetrope.store"))
        async throws
    {
        try validateDatabaseName(name)
        try await withTemporaryClient(url: adminURL, logger: logger) { client in
            _ = try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger).collect()
        }
    }

    /// Drops database `name` (if it exists), ending any session still connected to it.
    package static func dropDatabase(adminURL: String, name: String, logger: Logger = Logger(label: "zoetrope.store"))
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
    package static func url(_ url: String, database: String) throws -> String {
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
        let runTask = await PostgresDataStore.startRunning(client)
        defer { runTask.cancel() }
        try await body(client)
        runTask.cancel()
        await runTask.value
    }
}
