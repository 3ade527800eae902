import Foundation
import Synchronization
import Testing
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

    @Test func otherKeysRunAlongside() async throws {
        let mutex = KeyedMutex()
        let occupancy = Occupancy()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for key in ["a", "b", "c"] {
                group.addTask {
                    try await mutex.withLock(key) {
                        occupancy.enter()
                        try await Task.sleep(for: .milliseconds(200))
                        occupancy.leave()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(occupancy.most > 1)
    }

    @Test func aThrowingBodyFreesTheKeyAndReturnsAreHandedBack() async throws {
        struct Refused: Error {}
        let mutex = KeyedMutex()
        await #expect(throws: Refused.self) { try await mutex.withLock("k") { throw Refused() } }
        #expect(try await mutex.withLock("k") { 42 } == 42)
    }
}
