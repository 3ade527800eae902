import ZoetropeCore

/// Runs one body at a time per key (submits of one key, so the unfinished-jobs cap holds). A body
/// that finds the store unavailable passes that answer to the bodies that waited behind it, so
/// during an outage each answers within the store's own timeout instead of one timeout per
/// submit ahead of it.
package actor KeyedMutex {
    private var busy: Set<String> = []
    private var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]
    /// The latest `StoreUnavailable` a body of each key ended with, and when.
    private var unavailable: [String: (error: StoreUnavailable, at: ContinuousClock.Instant)] = [:]

    package init() {}

    /// How many bodies of `key` wait for their turn (a test hook).
    package func waiting(for key: String) -> Int { waiters[key]?.count ?? 0 }

    package func withLock<T: Sendable>(_ key: String, _ body: @Sendable () async throws -> T) async throws -> T {
        let arrived = ContinuousClock.now
        while busy.contains(key) {
            await withCheckedContinuation { waiters[key, default: []].append($0) }
        }
        busy.insert(key)
        defer {
            busy.remove(key)
            if var queue = waiters[key], !queue.isEmpty {
                queue.removeFirst().resume()
                waiters[key] = queue.isEmpty ? nil : queue
            }
        }
        if let last = unavailable[key], last.at > arrived { throw last.error }
        do {
            let value = try await body()
            unavailable[key] = nil
            return value
        } catch let error as StoreUnavailable {
            unavailable[key] = (error, .now)
            throw error
        }
    }
}
