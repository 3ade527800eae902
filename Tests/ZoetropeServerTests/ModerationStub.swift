import Foundation
import Hummingbird
import Synchronization

/// A moderation service on loopback in the shape of OpenAI's `/v1/moderations`: it flags any
/// text part holding "forbidden" as `violence` (one result per part), answers after `delay`,
/// and keeps the bodies it was sent.
final class ModerationStub: Sendable {
    let url: String
    private let log: Log
    private let task: Task<Void, any Error>

    /// The bodies received, as they came.
    final class Log: Sendable {
        let bodies = Mutex<[Data]>([])
    }

    private init(url: String, log: Log, task: Task<Void, any Error>) {
        self.url = url
        self.log = log
        self.task = task
    }

    /// The JSON bodies received so far.
    var received: [[String: Any]] {
        log.bodies.withLock { $0 }.map { (try? JSONSerialization.jsonObject(with: $0)) as? [String: Any] ?? [:] }
    }

    static func start(delay: Duration = .zero) async throws -> ModerationStub {
        let log = Log()
        let router = Router()
        router.post("/v1/moderations") { request, _ in
            let buffer = try await request.body.collect(upTo: 1 << 20)
            let data = Data(buffer: buffer)
            log.bodies.withLock { $0.append(data) }
            let body = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
            try await Task.sleep(for: delay)
            let parts = body["input"] as? [[String: Any]] ?? []
            let results: [[String: Any]] = parts.map { part in
                let flagged = (part["text"] as? String)?.contains("forbidden") ?? false
                return ["flagged": flagged, "categories": ["violence": flagged, "sexual": false]]
            }
            let answer = try JSONSerialization.data(withJSONObject: ["id": "modr-1", "results": results])
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: answer)))
        }
        let (port, task) = try await LoopbackServer.start(router, label: "moderation-stub")
        return ModerationStub(url: "http://127.0.0.1:\(port)/v1/moderations", log: log, task: task)
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}
