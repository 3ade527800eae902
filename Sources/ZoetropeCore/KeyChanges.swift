import Synchronization

/// Tells this process's caches of verified API keys that a key changed (revoked, re-credited),
/// so they forget it at once: a store publishes its own changes, and PostgreSQL's publish those of
/// every other process too (`NOTIFY zoetrope_keys`).
public final class KeyChanges: Sendable {
    private let subscribers = Mutex<[@Sendable (String?) -> Void]>([])

    public init() {}

    /// Calls `handler` with the changed key's id on every change from now on; nil means any key
    /// may have changed (changes may have been missed).
    public func subscribe(_ handler: @escaping @Sendable (String?) -> Void) {
        subscribers.withLock { $0.append(handler) }
    }

    /// Tells every subscriber that the key `keyID` changed (nil: any key).
    public func publish(_ keyID: String?) {
        for handler in subscribers.withLock({ $0 }) { handler(keyID) }
    }
}
