import Logging
import PostgresNIO
import ZoetropeCore

/// Wake-ups across processes: the `LISTEN` connection every store holds on ``workChannel``,
/// ``keysChannel`` and ``jobsChannel``.
extension PostgresDataStore {
    /// The channel that `insert`, `markScreened` and `release` notify (from a trigger) and every store listens on.
    static let workChannel = "zoetrope_work"
    /// The channel that `revokeKey` and `changeCredits` notify with the key's id.
    static let keysChannel = "zoetrope_keys"
    /// The channel that every change to a job notifies with its id (from a trigger).
    static let jobsChannel = "zoetrope_jobs"

    /// Holds one connection that listens on ``workChannel`` (calling `signal.notify()`) and on
    /// ``keysChannel`` (publishing the key id to `keyChanges`) and on ``jobsChannel`` (telling
    /// `snapshots` the job changed, which it trusts only while the connection listens); reconnects
    /// with backoff (100 ms doubling to 5 s) when it drops, and then wakes every waiter and has
    /// every key and job state forgotten, as notifications may have been missed. Yields to
    /// `firstAttempt` once the first LISTEN is in place or has failed.
    static func listen(
        client: PostgresClient, signal: WorkSignal, keyChanges: KeyChanges, snapshots: JobSnapshotCache,
        logger: Logger, firstAttempt: AsyncStream<Void>.Continuation
    ) async {
        var backoff = Duration.milliseconds(100)
        var reconnecting = false
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: workChannel) { work in
                        try await connection.listen(on: keysChannel) { keys in
                            try await connection.listen(on: jobsChannel) { jobs in
                                // Every job state is forgotten first: changes made until now went unheard.
                                snapshots.setTrusted(true)
                                defer { snapshots.setTrusted(false) }
                                firstAttempt.yield()
                                if reconnecting {
                                    logger.info("listening for work again")
                                    // Work queued and keys changed while the connection was down
                                    // sent no notification.
                                    signal.notify()
                                    keyChanges.publish(nil)
                                }
                                backoff = .milliseconds(100)
                                try await withThrowingTaskGroup(of: Void.self) { group in
                                    group.addTask { for try await _ in work { signal.notify() } }
                                    group.addTask { for try await change in keys { keyChanges.publish(change.payload) } }
                                    group.addTask { for try await change in jobs { snapshots.changed(change.payload) } }
                                    // Any sequence ending means the connection is gone.
                                    try await group.next()
                                    group.cancelAll()
                                }
                            }
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
