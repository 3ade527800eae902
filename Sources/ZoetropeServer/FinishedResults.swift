import Hummingbird
import Synchronization
import ZoetropeCore

/// The result answers of ended requests, which never change: kept (up to `capacity`, then all
/// dropped) with their encoded JSON, so a client polling a finished request costs neither decoding
/// its request and planning it again nor encoding the answer.
final class FinishedResults: Sendable {
    /// An ended request's answer, and its response body as a key without a balance is served it.
    struct Kept: Sendable {
        var answer: ResultAnswer
        var body: ByteBuffer
    }

    private let kept = Mutex<[String: Kept]>([:])
    private let capacity: Int

    init(capacity: Int = 2_000) {
        self.capacity = capacity
    }

    /// What is kept for the ended request `id`.
    func kept(for id: String) -> Kept? {
        kept.withLock { $0[id] }
    }

    /// Keeps `answer` when its request has ended.
    func keep(_ answer: ResultAnswer) throws {
        guard answer.status.isTerminal else { return }
        let entry = Kept(answer: answer, body: try JSONResponse.body(encoding: answer))
        kept.withLock { kept in
            if kept.count >= capacity { kept.removeAll(keepingCapacity: true) }
            kept[answer.requestID] = entry
        }
    }
}
