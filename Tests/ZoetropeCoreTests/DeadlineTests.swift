import Foundation
import Synchronization
import Testing
import ZoetropeCore

/// `withDeadline`: the operation's answer when it comes in time; `DeadlinePassed` at the deadline
/// even when the operation ignores cancellation; the caller's cancellation ends the wait at once.
struct DeadlineTests {
    @Test func anAnswerInTimeIsReturned() async throws {
        #expect(try await withDeadline(.seconds(5)) { 42 } == 42)
        await #expect(throws: RenderError.self) {
            try await withDeadline(.seconds(5)) { () async throws -> Int in throw RenderError("no") }
        }
    }

    @Test func anOperationThatNeverAnswersEndsAtTheDeadline() async throws {
        let started = ContinuousClock.now
        let stop = Mutex(false)
        await #expect(throws: DeadlinePassed.self) {
            try await withDeadline(.milliseconds(200)) { () async -> Int in
                // Ignores cancellation, as a socket that never answers would.
                while !stop.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(20)) }
                return 0
            }
        }
        stop.withLock { $0 = true }
        #expect(ContinuousClock.now - started < .seconds(10), "answered at the deadline, not when the operation ended")
    }

    @Test func cancellingTheCallerEndsTheWait() async throws {
        let task = Task {
            try await withDeadline(.seconds(60)) { () async throws -> Int in
                try await Task.sleep(for: .seconds(60))
                return 0
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }
}
