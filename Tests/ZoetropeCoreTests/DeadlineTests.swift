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
        let stop = Mutex(false)
        // The operation ignores cancellation, as a socket that never answers would, and ends only
        // when told to after the call returned: the call answered at its deadline, not at the end.
        await #expect(throws: DeadlinePassed.self) {
            try await withDeadline(.milliseconds(200)) { () async -> Int in
                while !stop.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(20)) }
                return 0
            }
        }
        stop.withLock { $0 = true }
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
