import Foundation
import Synchronization
import ZoetropeCore
import ZoetropeStore

/// API keys already verified, by the secret presented, so a poll does not hash the secret and
/// read the database on every request. An entry is kept at most `maxAge` (so a change made by
/// another process that this one is not told of, such as `zoetrope keys revoke` beside a
/// SQLite-backed gateway, shows within that time), and forgotten at once when the store
/// publishes a change to its key (`KeyChanges`: this process's revocations, and on PostgreSQL
/// every gateway's). Unknown and revoked secrets are never cached. The cached key's `credits`
/// may be up to `maxAge` old: balances shown to users are read afresh.
final class VerifiedKeys: Sendable {
    private struct Entry {
        var key: APIKey
        var verifiedAt: ContinuousClock.Instant
    }

    private let store: any APIKeyStore
    private let maxAge: Duration
    private let capacity: Int
    private let entries = Mutex<[String: Entry]>([:])

    init(store: any APIKeyStore, maxAge: Duration = .seconds(1), capacity: Int = 10_000) {
        self.store = store
        self.maxAge = maxAge
        self.capacity = capacity
        store.keyChanges.subscribe { [weak self] keyID in self?.forget(keyID: keyID) }
    }

    /// The valid, unrevoked key whose secret is `secret`; nil for an unknown or revoked one.
    func key(secret: String) async throws -> APIKey? {
        let now = ContinuousClock.now
        if let entry = entries.withLock({ $0[secret] }), now - entry.verifiedAt < maxAge { return entry.key }
        guard let key = try await store.key(hash: APIKeyGenerator.hash(secret)), key.revokedAt == nil else {
            entries.withLock { _ = $0.removeValue(forKey: secret) }
            return nil
        }
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[secret] = Entry(key: key, verifiedAt: now)
        }
        return key
    }

    /// Forgets the key `keyID` (nil: every key).
    func forget(keyID: String?) {
        entries.withLock { entries in
            guard let keyID else { return entries.removeAll() }
            entries = entries.filter { $0.value.key.id != keyID }
        }
    }
}
