import Synchronization
import ZoetropeCore

/// The result answers of ended requests, which never change: kept (up to `capacity`, then all
/// dropped) so a client polling a finished request costs one indexed read of its state instead of
/// decoding its request and planning it again.
final class FinishedResults: Sendable {
    private let answers = Mutex<[String: ResultAnswer]>([:])
    private let capacity: Int

    init(capacity: Int = 2_000) {
        self.capacity = capacity
    }

    /// The answer kept for the ended request `id`.
    func answer(for id: String) -> ResultAnswer? {
        answers.withLock { $0[id] }
    }

    /// Keeps `answer` when its request has ended.
    func keep(_ answer: ResultAnswer) {
        guard answer.status.isTerminal else { return }
        answers.withLock { answers in
            if answers.count >= capacity { answers.removeAll(keepingCapacity: true) }
            answers[answer.requestID] = answer
        }
    }
}
