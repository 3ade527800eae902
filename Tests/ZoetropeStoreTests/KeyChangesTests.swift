import Foundation
import Synchronization
import Testing
import ZoetropeCore
import ZoetropeStore

/// Key changes reach every store's `keyChanges`: its own at once, and on PostgreSQL every other
/// store's (another gateway's) through `NOTIFY zoetrope_keys`, so their caches forget the key.
@Suite struct KeyChangesTests {
    /// The key ids each store heard, in order.
    final class Heard: Sendable {
        let ids = Mutex<[[String?]]>([])
        init(_ stores: [any DataStore]) {
            ids.withLock { $0 = Array(repeating: [], count: stores.count) }
            for (index, store) in stores.enumerated() {
                store.keyChanges.subscribe { id in self.ids.withLock { $0[index].append(id) } }
            }
        }
        func heard(_ store: Int, _ id: String) -> Bool { ids.withLock { $0[store].contains(id) } }
    }

    /// Waits (up to 5 s) for `condition`.
    static func eventually(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<250 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    @Test(arguments: StoreFixture.all) func revocationsAndCreditChangesAreHeardByEveryStore(fixture: StoreFixture) async throws {
        try await fixture.withStores(count: 2) { stores in
            let heard = Heard(stores)
            let (revoked, _) = try await APIKeyGenerator.create(name: "a", in: stores[0])
            let (credited, _) = try await APIKeyGenerator.create(name: "b", in: stores[0])
            #expect(try await stores[0].revokeKey(id: revoked.id, now: Date()))
            _ = try await stores[0].changeCredits(id: credited.id, amount: Credits(micros: 1_000_000), set: true)
            // The store that made the change tells its own subscribers before it returns.
            #expect(heard.heard(0, revoked.id) && heard.heard(0, credited.id))
            // The other store (another gateway on PostgreSQL; the same instance on SQLite) hears both.
            #expect(try await Self.eventually { heard.heard(1, revoked.id) && heard.heard(1, credited.id) })
        }
    }
}
