import Foundation
import Logging
import PostgresNIO
import ZoetropeCore

/// The shared store: jobs, API keys, voices, webhook deliveries and the content policy's lists in one
/// PostgreSQL database, so several gateways and render hosts can work from one queue.
///
/// It keeps the semantics of ``SQLiteDataStore`` exactly: every state change is one SQL statement;
/// credits are reserved, released and refunded, and webhook deliveries queued, by triggers in the
/// statement that inserts, ends or deletes a job; leases, screen takeovers and webhook claims take rows
/// with `FOR UPDATE SKIP LOCKED` so concurrent callers never get the same one. Queued, screened or
/// handed-back jobs send `NOTIFY zoetrope_work` from a trigger in the same statement, and every store keeps one
/// `LISTEN`ing connection, so an idle render slot in any process wakes within milliseconds; the same
/// connection hears `NOTIFY zoetrope_keys` from a revocation or credit change in any process, and
/// `NOTIFY zoetrope_jobs` (a trigger) from every change to a job, which keeps status polls' cache true. Times are
/// stored as `DOUBLE PRECISION` epoch seconds, as SQLite stores them.
public final class PostgresDataStore: DataStore, Sendable {
    private let client: PostgresClient
    private let logger: Logger
    /// Runs the connection pool (`client.run()`); cancelled by `close()`.
    private let runTask: Task<Void, Never>
    /// Keeps the `LISTEN zoetrope_work` connection, reconnecting when it drops; cancelled by `close()`.
    private let listenTask: Task<Void, Never>
    /// Wakes this process's idle render slots: from `LISTEN`, and at once after a local insert, screen or release.
    let workSignal: WorkSignal
    /// Key changes from this process at once and from every other from `LISTEN zoetrope_keys`.
    public let keyChanges: KeyChanges
    /// Job states read recently: forgotten at once on this process's writes and on every other's
    /// `NOTIFY zoetrope_jobs`; not used while the `LISTEN` connection is down.
    let snapshots: JobSnapshotCache
    /// The longest one query may wait for a connection and its answer before it fails with
    /// `StoreUnavailable` (PostgreSQL down or not answering), so no request hangs on the database.
    let queryTimeout: Duration

    /// The default `queryTimeout`.
    public static let defaultQueryTimeout: Duration = .seconds(5)

    private init(
        client: PostgresClient, logger: Logger, runTask: Task<Void, Never>, listenTask: Task<Void, Never>,
        workSignal: WorkSignal, keyChanges: KeyChanges, snapshots: JobSnapshotCache, queryTimeout: Duration
    ) {
        self.client = client
        self.logger = logger
        self.runTask = runTask
        self.listenTask = listenTask
        self.workSignal = workSignal
        self.keyChanges = keyChanges
        self.snapshots = snapshots
        self.queryTimeout = queryTimeout
    }

    /// Connects to `url` (`postgres://user:password@host:port/database`, or `postgresql://…`;
    /// `?sslmode=disable|allow|prefer|require|verify-ca|verify-full`, TLS off unless asked for), applies pending
    /// migrations and starts listening for work. `maximumConnections` caps the pool (one more
    /// connection is held for `LISTEN`). A query that gets no connection and answer within
    /// `queryTimeout` throws `StoreUnavailable`.
    public static func open(
        url: String, logger: Logger = Logger(label: "zoetrope.store"), maximumConnections: Int = 20,
        queryTimeout: Duration = defaultQueryTimeout
    ) async throws -> PostgresDataStore {
        try await open(
            url: url, logger: logger, maximumConnections: maximumConnections, schemaVersion: schemaVersion,
            queryTimeout: queryTimeout)
    }

    /// Connects to `url` as `open(url:logger:maximumConnections:)` does, but applies the pending
    /// migrations up to `schemaVersion` only, and serves a status poll from memory for up to
    /// `snapshotMaxAge`. For tests of upgrades from an older schema and of the poll cache (a test hook).
    package static func open(
        url: String, logger: Logger, maximumConnections: Int, schemaVersion: Int,
        queryTimeout: Duration = defaultQueryTimeout, snapshotMaxAge: Duration = JobSnapshotCache.defaultMaxAge
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
            try await migrate(client: client, logger: logger, to: schemaVersion)
        } catch {
            runTask.cancel()
            await runTask.value
            throw error
        }
        let workSignal = WorkSignal()
        let keyChanges = KeyChanges()
        let snapshots = JobSnapshotCache(maxAge: snapshotMaxAge, trusted: false)
        let (listening, listeningContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let listenTask = Task {
            await listen(
                client: client, signal: workSignal, keyChanges: keyChanges, snapshots: snapshots, logger: logger,
                firstAttempt: listeningContinuation)
        }
        // Wait for the first LISTEN to be in place (or to fail), so that a job queued by another
        // process right after `open` returns wakes this store's waiters.
        for await _ in listening { break }
        return PostgresDataStore(
            client: client, logger: logger, runTask: runTask, listenTask: listenTask, workSignal: workSignal,
            keyChanges: keyChanges, snapshots: snapshots, queryTimeout: queryTimeout)
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

    public func checkReachable() async throws {
        try await rows("SELECT 1")
    }

    /// Runs `sql` as it is. For tests that write rows an older schema held (a test hook).
    package func execute(_ sql: String) async throws {
        defer { snapshots.changed(nil) }
        try await rows(PostgresQuery(unsafeSQL: sql))
    }

    /// Starts `client.run()` in a new task and returns once that task is about to call it (a
    /// connection leased before `run()` starts still works, but PostgresNIO logs a warning).
    static func startRunning(_ client: PostgresClient) async -> Task<Void, Never> {
        let (started, signal) = AsyncStream<Void>.makeStream()
        let task = Task {
            signal.finish()
            await client.run()
        }
        for await _ in started {}
        await Task.yield()
        return task
    }

    // MARK: - Queries

    /// Runs `query` on a pooled connection and collects its rows. Throws `StoreUnavailable` when
    /// PostgreSQL cannot be reached, is shutting down, or gives no answer within `queryTimeout`.
    @discardableResult
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        let client = client, logger = logger
        return try await answered { try await client.query(query, logger: logger).collect() }
    }

    /// The rows of a prepared statement (prepared once per connection, then only bound and run),
    /// under the same deadline and errors as `rows`.
    func rows<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> [Statement.Row]
    where Statement.Row: Sendable {
        let client = client, logger = logger
        return try await answered {
            var rows: [Statement.Row] = []
            for try await row in try await client.execute(statement, logger: logger) { rows.append(row) }
            return rows
        }
    }

    /// `work` within `queryTimeout`; an unanswered or unreachable server is `StoreUnavailable`.
    private func answered<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        do {
            return try await withDeadline(queryTimeout, work)
        } catch let error as DeadlinePassed {
            throw StoreUnavailable.database("PostgreSQL gave \(error)")
        } catch let error as PSQLError where Self.isUnavailable(error) {
            logger.warning("PostgreSQL unavailable: \(Self.describe(error))")
            throw StoreUnavailable.database("PostgreSQL cannot be reached")
        }
    }

    /// Whether `error` says the server is out of reach rather than that the query is wrong:
    /// connection failures, and the server's own "shutting down" / "cannot connect now"
    /// (SQLSTATE classes 08 and 57).
    static func isUnavailable(_ error: PSQLError) -> Bool {
        switch error.code {
        case .connectionError, .serverClosedConnection, .uncleanShutdown, .poolClosed, .clientClosedConnection:
            return true
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            return state.hasPrefix("08") || state.hasPrefix("57")
        default:
            return false
        }
    }

    /// Encodes requests, voices and model lists as the JSON text the tables hold.
    static let encoder = JSONEncoder()
}
