import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization
import Testing
import ZoetropeClient

/// The SDK's own parts: the exact JSON of a typed request, configuration from the environment,
/// and retries against a tiny local stub that plays a rate-limited or flaky network (the flows
/// against a real server are in ZoetropeServerTests).
@Suite(.serialized)
struct ClientTests {
    @Test func typedRequestEncodesToTheServersJSON() throws {
        let request = KlingImageToVideo(
            prompt: "slow push in", startImageURL: "https://example.com/a.jpg", aspectRatio: .portrait, cfgScale: 0.7,
            duration: 10, negativePrompt: "shaky", generateAudio: false,
            multiPrompt: [.init(prompt: "one", duration: 4), .init(prompt: "two", duration: 6)],
            elements: [.init(frontalImageURL: "https://example.com/e.png")], voiceIDs: ["voice_1"])
        let json = String(decoding: try JSONEncoder.sorted.encode(request), as: UTF8.self)
        #expect(json == #"{"aspect_ratio":"9:16","cfg_scale":0.7,"duration":"10","elements":[{"frontal_image_url":"https://example.com/e.png"}],"generate_audio":false,"multi_prompt":[{"duration":"4","prompt":"one"},{"duration":"6","prompt":"two"}],"negative_prompt":"shaky","prompt":"slow push in","start_image_url":"https://example.com/a.jpg","voice_ids":["voice_1"]}"#)
        // Unset parameters are left out, so the server's defaults apply.
        let minimal = KlingImageToVideo(prompt: "x", startImageURL: "data:image/png;base64,AAAA")
        #expect(String(decoding: try JSONEncoder.sorted.encode(minimal), as: UTF8.self)
            == #"{"prompt":"x","start_image_url":"data:image/png;base64,AAAA"}"#)
    }

    @Test func baseURLAndKeyAreNormalized() {
        let client = Client(apiKey: "k", baseURL: URL(string: "http://example.com:8080/v1/")!)
        #expect(client.baseURL.absoluteString == "http://example.com:8080")
        #expect(client.apiKey == "k")
        #expect(client.job(id: "abc").statusURL == "http://example.com:8080/v2/requests/abc/status")
    }

    @Test func a429IsRetriedAfterRetryAfter() async throws {
        let stub = try await Stub.start { count, path in
            // The first poll is rate limited; the second answers.
            if path.hasSuffix("/status") && count == 1 {
                return (429, ["Retry-After": "1"], #"{"error":"rate limited"}"#)
            }
            if path.hasSuffix("/status") { return (200, [:], #"{"request_id":"r1","status":"COMPLETED","progress":1}"#) }
            if path == "/v2/requests/r1" {
                return (200, [:], #"{"request_id":"r1","status":"COMPLETED","output":"https://example.com/v.mp4"}"#)
            }
            return (404, [:], #"{"error":"no"}"#)
        }
        defer { Task { await stub.stop() } }
        let client = Client(apiKey: "k", baseURL: URL(string: stub.baseURL)!)
        let result = try await client.job(id: "r1").wait(timeout: .seconds(30), interval: .milliseconds(50))
        #expect(result.outputURL == "https://example.com/v.mp4")
        #expect(stub.requests.filter { $0.hasSuffix("/status") }.count == 2)
    }

    @Test func aSubmitIsNotRetriedBlindlyButIsWithAnIdempotencyKey() async throws {
        let stub = try await Stub.start { count, _ in
            count <= 2 ? (503, [:], #"{"error":"busy"}"#) : (200, [:], #"{"request_id":"r2","status":"QUEUED"}"#)
        }
        defer { Task { await stub.stop() } }
        let client = Client(apiKey: "k", baseURL: URL(string: stub.baseURL)!,
                            retryPolicy: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10)))
        await #expect {
            _ = try await client.submitAsync(model: "m", ["prompt": "x"])
        } throws: { ($0 as? RequestRefused)?.status == 503 && ($0 as? RequestRefused)?.message == "busy" }
        #expect(stub.requests.count == 1)
        // With a key, the second 503 is retried and the third attempt gets through.
        let job = try await client.submitAsync(model: "m", ["prompt": "x"], idempotencyKey: "key-1")
        #expect(job.requestID == "r2")
        #expect(stub.requests.count == 3)
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

/// A loopback HTTP stub answering every request with `answer(requestNumber, path)`, recording
/// the paths it saw.
final class Stub: Sendable {
    typealias Answer = @Sendable (Int, String) -> (Int, [String: String], String)
    let baseURL: String
    private let task: Task<Void, any Error>
    private let log: Log

    var requests: [String] { log.paths.withLock { $0 } }

    private init(baseURL: String, task: Task<Void, any Error>, log: Log) {
        self.baseURL = baseURL
        self.task = task
        self.log = log
    }

    static func start(_ answer: @escaping Answer) async throws -> Stub {
        let log = Log()
        let router = Router()
        router.get("**") { request, _ in respond(request, log, answer) }
        router.post("**") { request, _ in respond(request, log, answer) }
        var logger = Logger(label: "stub")
        logger.logLevel = .error
        let port = Mutex<Int?>(nil)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } }, logger: logger)
        let task = Task { try await app.run() }
        for _ in 0..<500 where port.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
        guard let bound = port.withLock({ $0 }) else { throw StubError() }
        return Stub(baseURL: "http://127.0.0.1:\(bound)", task: task, log: log)
    }

    private static func respond(_ request: Request, _ log: Log, _ answer: Answer) -> Response {
        let count = log.paths.withLock { paths in
            paths.append(request.uri.path)
            return paths.count
        }
        let (status, headers, body) = answer(count, request.uri.path)
        var fields: HTTPFields = [.contentType: "application/json"]
        for (name, value) in headers { fields[HTTPField.Name(name)!] = value }
        return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    final class Log: Sendable {
        let paths = Mutex<[String]>([])
    }

    struct StubError: Error {}
}
