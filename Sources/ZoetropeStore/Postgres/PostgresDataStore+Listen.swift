import Logging
import PostgresNIO
import ZoetropeCore

/// Wake-ups across processes: the `LISTEN` connection every store holds on ``workChannel``.
extension PostgresDataStore {
    /// The channel that `insert`, `markScreened` and `release` notify (from a trigger) and every store listens on.
    static let workChannel = "zoetrope_work"

    /// Holds one connection that listens on ``workChannel`` and calls `signal.notify()` for every
    /// notification; reconnects with backoff (100 ms doubling to 5 s) when it drops. Yields to
    /// `firstAttempt` once the first LISTEN is in place or has failed.
    static func listen(
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
}
