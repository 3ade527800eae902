import Foundation
import Synchronization
import Testing
import ZoetropeCore
import ZoetropeServer

/// `KeyedMutex`: one body at a time per key, in turn; other keys run alongside; a throwing body
/// frees the key.
struct KeyedMutexTests {
    /// How many bodies run at once, the most that ever did, and how many ran.
    final class Occupancy: Sendable {
        private let state = Mutex((now: 0, most: 0, total: 0))
        func enter() {
            state.withLock { state in
                state.now += 1
                state.total += 1
                state.most = max(state.most, state.now)
            }
        }
        func leave() { state.withLock { $0.now -= 1 } }
        var most: Int { state.withLock { $0.most } }
        var total: Int { state.withLock { $0.total } }
    }

    @Test func oneBodyAtATimePerKey() async throws {
        let mutex = KeyedMutex()
        let occupancy = Occupancy()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await mutex.withLock("k") {
                        occupancy.enter()
                        try await Task.sleep(for: .milliseconds(2))
                        occupancy.leave()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(occupancy.most == 1)
        #expect(occupancy.total == 20)
    }

    /// Waits until `condition` holds, checking every 5 ms, for at most a minute (orderings are
    /// awaited, never timed: a loaded machine may run these tasks late).
    static func until(_ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while await !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
    }

    /// During an outage, bodies that waited behind one that found the store unavailable answer
    /// the same at once instead of each waiting out the store's timeout in turn.
    @Test func waitersBehindAnUnavailableStoreAnswerAtOnce() async throws {
        let mutex = KeyedMutex()
        let occupancy = Occupancy()
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                do {
                    try await mutex.withLock("k") {
                        occupancy.enter()
                        // The store answers "unavailable" once the three others wait behind this body.
                        try await Self.until { await mutex.waiting(for: "k") == 3 }
                        throw StoreUnavailable.database("PostgreSQL cannot be reached")
                    }
                    return false
                } catch is StoreUnavailable { return true }
            }
            try await Self.until { occupancy.total == 1 }
            for _ in 0..<3 {
                group.addTask {
                    do {
                        try await mutex.withLock("k") { occupancy.enter() }
                        return false
                    } catch is StoreUnavailable { return true }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes == [true, true, true, true])
        #expect(occupancy.total == 1, "only the first body ran")
        // Once it answers again, a new body runs.
        try await mutex.withLock("k") { occupancy.enter() }
        #expect(occupancy.total == 2)
    }

    @Test func otherKeysRunAlongside() async throws {
        let mutex = KeyedMutex()
        let occupancy = Occupancy()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for key in ["a", "b", "c"] {
                group.addTask {
                    try await mutex.withLock(key) {
                        occupancy.enter()
                        try await Self.until { occupancy.most == 3 }  // a minute, were keys run in turn
                        occupancy.leave()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(occupancy.most == 3)
    }

    @Test func aThrowingBodyFreesTheKeyAndReturnsAreHandedBack() async throws {
        struct Refused: Error {}
        let mutex = KeyedMutex()
        await #expect(throws: Refused.self) { try await mutex.withLock("k") { throw Refused() } }
        #expect(try await mutex.withLock("k") { 42 } == 42)
    }
}
