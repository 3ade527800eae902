import Foundation
import Synchronization

/// Wakes idle render slots when work may have arrived: a store calls `notify()` when a job is
/// queued or handed back (PostgreSQL from `LISTEN`, SQLite within the process), and a slot with
/// nothing to do waits on it with a timeout instead of polling.
public final class WorkSignal: Sendable {
    private let waiters = Mutex<[UUID: AsyncStream<Void>.Continuation]>([:])

    public init() {}

    /// Wakes every current waiter.
    public func notify() {
        let current = waiters.withLock { $0 }
        for continuation in current.values { continuation.yield() }
    }

    /// Returns at the next `notify()`, after `timeout`, or when the task is cancelled.
    public func wait(timeout: Duration) async {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = UUID()
        waiters.withLock { $0[id] = continuation }
        defer {
            _ = waiters.withLock { $0.removeValue(forKey: id) }
            continuation.finish()
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in stream { return }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }
}
