import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization
import Testing
import ZoetropeCore

/// Webhooks to a local receiver: signed, retried with backoff, kept across a restart, logged.
@Suite(.serialized)
struct WebhookTests {
    static let model = "kling-3-pro-image2video"

    static func body() throws -> [String: Any] {
        ["prompt": "x", "duration": "3", "generate_audio": false,
         "start_image_url": "data:image/jpeg;base64," + (try ImageServer.testImage(width: 320, height: 180)).base64EncodedString()]
    }

    /// Waits until `condition` holds (checked every 100 ms), up to `seconds`.
    static func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await condition()
    }

    @Test(arguments: TestDatabase.all) func deliveredSignedAndRetriedUntilTheReceiverAnswers(database: TestDatabase) async throws {
        let receiver = try await Receiver.start(failFirst: 2)
        let server = try await TestServer.start(database: database, configure: { $0.webhookRetryBase = 0.2 })
        defer { Task { await server.stopAndClean(); await receiver.stop() } }
        let submit = try await HTTPTestClient.send(
            .POST, "\(server.baseURL)/v2/\(Self.model)?webhook=\(receiver.baseURL)/hook", apiKey: server.apiKey,
            json: try Self.body())
        #expect(submit.status == 200, "\(submit.json)")
        let id = try #require(submit.json["request_id"] as? String)
        #expect(try await Self.eventually(120) { receiver.received.count >= 3 })

        // Two failures, then the third try gets through; every try sent the same signed body.
        let hits = receiver.received
        #expect(hits.count == 3)
        let secret = try #require(
            try await HTTPTestClient.send(.GET, "\(server.baseURL)/v1/webhooks/secret", apiKey: server.apiKey).json["secret"] as? String)
        for hit in hits {
            let timestamp = try #require(hit.headers["x-zoetrope-timestamp"])
            let message = Data("\(timestamp).".utf8) + hit.body
            let expected = "v1=" + HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))
                .map { String(format: "%02x", $0) }.joined()
            #expect(hit.headers["x-zoetrope-signature"] == expected)
            #expect(hit.body == hits[0].body)
        }
        let delivered = try #require(try JSONSerialization.jsonObject(with: hits[2].body) as? [String: Any])
        #expect(delivered["request_id"] as? String == id)
        #expect(delivered["status"] as? String == "COMPLETED")
        #expect((delivered["output"] as? String)?.hasPrefix("\(server.baseURL)/files/") == true)

        // The delivery log, readable by the key.
        let log = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v2/requests/\(id)/webhooks", apiKey: server.apiKey)
        let delivery = try #require((log.json["deliveries"] as? [[String: Any]])?.first)
        #expect(delivery["state"] as? String == "delivered")
        #expect((delivery["attempts"] as? [[String: Any]])?.map { $0["status_code"] as? Int } == [500, 500, 200])
    }

    @Test(arguments: TestDatabase.all) func aPendingDeliverySurvivesARestart(database: TestDatabase) async throws {
        let receiver = try await Receiver.start(failFirst: Int.max)
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("zoetrope-test-\(UUID().uuidString.prefix(8))")
        let first = try await TestServer.start(database: database, dataDirectory: data, configure: { $0.webhookRetryBase = 0.5 })
        let submit = try await HTTPTestClient.send(
            .POST, "\(first.baseURL)/v2/\(Self.model)?webhook=\(receiver.baseURL)/hook", apiKey: first.apiKey,
            json: try Self.body())
        let id = try #require(submit.json["request_id"] as? String)
        #expect(try await Self.eventually(120) { !receiver.received.isEmpty })
        await first.stop()
        receiver.recover()

        // A new process on the same data: the delivery goes on and arrives.
        let second = try await TestServer.start(database: database, dataDirectory: data, configure: { $0.webhookRetryBase = 0.5 }, prepare: { _, _ in })
        defer { Task { await second.stopAndClean(); await receiver.stop() } }
        #expect(try await Self.eventually(60) { receiver.received.contains { $0.status == 200 } })
        let body = try #require(receiver.received.last { $0.status == 200 }?.body)
        #expect((try JSONSerialization.jsonObject(with: body) as? [String: Any])?["request_id"] as? String == id)
    }

    @Test func aHangingReceiverTimesOutAndHoldsUpNoOtherDelivery() async throws {
        let receiver = try await Receiver.start(failFirst: 0)
        let server = try await TestServer.start(configure: { $0.webhookTimeout = .seconds(30) })
        defer { Task { await server.stopAndClean(); await receiver.stop() } }
        func submit(_ path: String) async throws -> String {
            let reply = try await HTTPTestClient.send(
                .POST, "\(server.baseURL)/v2/\(Self.model)?webhook=\(receiver.baseURL)\(path)", apiKey: server.apiKey,
                json: try Self.body())
            return try #require(reply.json["request_id"] as? String)
        }
        func attempts(_ id: String) async throws -> [[String: Any]] {
            let log = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v2/requests/\(id)/webhooks", apiKey: server.apiKey)
            return ((log.json["deliveries"] as? [[String: Any]])?.first?["attempts"] as? [[String: Any]]) ?? []
        }
        let hanging = try await submit("/hang")
        #expect(try await Self.eventually(120) { receiver.hung.count == 1 }, "the hanging receiver was called")
        _ = try await submit("/hook")
        #expect(try await Self.eventually(120) { receiver.received.count == 1 }, "the other delivery arrived")
        #expect(try await attempts(hanging).isEmpty, "delivered while the hanging attempt was still in flight")
        // The hanging attempt ends at its timeout, failed, and is left to retry.
        #expect(try await Self.eventually(60) { !(try await attempts(hanging).isEmpty) })
        let failed = try await attempts(hanging).first
        #expect(failed?["status_code"] == nil || failed?["status_code"] is NSNull)
        #expect((failed?["error"] as? String)?.isEmpty == false)
        let log = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v2/requests/\(hanging)/webhooks", apiKey: server.apiKey)
        #expect((log.json["deliveries"] as? [[String: Any]])?.first?["state"] as? String == "pending")
    }

    @Test(arguments: TestDatabase.all) func webhookTargetsGoThroughTheSSRFGuard(database: TestDatabase) async throws {
        let server = try await TestServer.start(database: database, configure: { $0.allowPrivateInputs = false })
        defer { Task { await server.stopAndClean() } }
        for target in ["http://127.0.0.1:9/hook", "http://169.254.169.254/latest", "ftp://example.com/x"] {
            let reply = try await HTTPTestClient.send(
                .POST, "\(server.baseURL)/v2/\(Self.model)?webhook=\(target)", apiKey: server.apiKey, json: try Self.body())
            #expect(reply.status == 400, "\(target)")
            #expect(reply.error?.hasPrefix("webhook") == true, "\(reply.error ?? "")")
        }
    }
}

/// A local HTTP receiver of webhooks that answers 500 to its first `failFirst` requests, then 200;
/// at `/hang` it notes the request and never answers.
final class Receiver: Sendable {
    struct Hit: Sendable {
        var headers: [String: String]
        var body: Data
        var status: Int
    }

    let baseURL: String
    private let task: Task<Void, any Error>
    private let state: State

    final class State: Sendable {
        let hits = Mutex<[Hit]>([])
        let hung = Mutex<[Hit]>([])
        let failFirst: Mutex<Int>
        init(failFirst: Int) { self.failFirst = Mutex(failFirst) }
    }

    var received: [Hit] { state.hits.withLock { $0 } }
    /// Requests to `/hang`.
    var hung: [Hit] { state.hung.withLock { $0 } }

    /// From now on, answer 200.
    func recover() { state.failFirst.withLock { $0 = 0 } }

    private init(baseURL: String, task: Task<Void, any Error>, state: State) {
        self.baseURL = baseURL
        self.task = task
        self.state = state
    }

    static func start(failFirst: Int) async throws -> Receiver {
        let state = State(failFirst: failFirst)
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            var request = request
            let body = Data(try await request.collectBody(upTo: 1 << 20).readableBytesView)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let status = state.hits.withLock { hits in
                let failing = state.failFirst.withLock { $0 } > hits.count
                hits.append(Hit(headers: headers, body: body, status: failing ? 500 : 200))
                return failing ? 500 : 200
            }
            return Response(status: .init(code: status))
        }
        router.post("/hang") { request, _ -> Response in
            state.hung.withLock { $0.append(Hit(headers: [:], body: Data(), status: 0)) }
            try await Task.sleep(for: .seconds(600))
            return Response(status: .ok)
        }
        let (port, task) = try await LoopbackServer.start(router, label: "receiver")
        return Receiver(baseURL: "http://127.0.0.1:\(port)", task: task, state: state)
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}
