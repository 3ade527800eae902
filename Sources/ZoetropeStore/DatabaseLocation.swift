import Foundation
import Logging
import ZoetropeCore

/// Which database holds the gateway's state, from `--database-url`: an SQLite file (the
/// embedded default, one machine) or a PostgreSQL server (several gateways).
public enum DatabaseLocation: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(url: String)

    /// `sqlite:<path>`, `postgres://…` or `postgresql://…`; nil means the SQLite file in `dataDirectory`.
    public static func parse(_ url: String?, dataDirectory: URL) throws -> DatabaseLocation {
        guard let url else { return .sqlite(path: dataDirectory.appendingPathComponent("zoetrope.sqlite").path) }
        if url.hasPrefix("sqlite:") {
            var path = String(url.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else { throw ConfigurationError("--database-url sqlite: needs a file path") }
            return .sqlite(path: path)
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            return .postgres(url: url)
        }
        throw ConfigurationError("--database-url must start with sqlite: or postgres:// (got '\(url)')")
    }

    /// Opens the store, applying pending migrations. On PostgreSQL a query that gets no answer
    /// within `queryTimeout` fails with `StoreUnavailable` (SQLite is a local file: no timeout).
    public func open(logger: Logger, queryTimeout: Duration = PostgresDataStore.defaultQueryTimeout) async throws
        -> any DataStore
    {
        switch self {
        case .sqlite(let path): try await SQLiteDataStore.open(path: path, logger: logger)
        case .postgres(let url): try await PostgresDataStore.open(url: url, logger: logger, queryTimeout: queryTimeout)
        }
    }
}
