import Foundation
import Testing
import ZoetropeCore

/// `WorkSignal`: a waiter returns at the next `notify()`, after its timeout, or when cancelled;
/// `notify()` wakes every current waiter and is not remembered for later ones.
struct WorkSignalTests {
    @Test func notifyWakesEveryWaiter() async throws {
        let signal = WorkSignal()
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<3 { group.addTask { await signal.wait(timeout: .seconds(120)) } }
            try await Task.sleep(for: .milliseconds(100))
            signal.notify()
            try await group.waitForAll()
        }
        #expect(ContinuousClock.now - started < .seconds(60), "ended well before its 120 s timeout")
    }

    @Test func aWaitEndsAtItsTimeoutAndANotifyIsNotKept() async {
        let signal = WorkSignal()
        signal.notify()  // nobody waits: nothing to remember
        let started = ContinuousClock.now
        await signal.wait(timeout: .milliseconds(150))
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(150) && waited < .seconds(60))
    }

    @Test func cancellationEndsAWait() async {
        let signal = WorkSignal()
        let started = ContinuousClock.now
        let waiter = Task { await signal.wait(timeout: .seconds(120)) }
        try? await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        await waiter.value
        #expect(ContinuousClock.now - started < .seconds(60), "ended well before its 120 s timeout")
    }
}
