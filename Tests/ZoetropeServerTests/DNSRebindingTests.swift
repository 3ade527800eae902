import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization
import Testing
import ZoetropeCore

/// DNS rebinding against the gateway's outbound requests, in a network namespace of the test's
/// own (`scripts/test-dns-rebinding.sh`: its resolver is a `DNSStub` on 127.0.0.1:53, and
/// 1.2.3.4 stands for a public web server). Each name answers a public address to the first
/// query and loopback afterwards: a fetcher that resolved the name again to connect would reach
/// the loopback listener. Nothing may.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["ZOETROPE_TEST_NETNS"] == "1"))
struct DNSRebindingTests {
    static let model = "kling-3-pro-image2video"
    static let publicAddress: [UInt8] = [1, 2, 3, 4]
    static let loopback: [UInt8] = [127, 0, 0, 1]

    @Test func inputsRedirectsAndWebhooksConnectToTheAddressThatWasChecked() async throws {
        let dns = try await DNSStub.start(answers: [
            "public.test": [Self.publicAddress],
            "rebind-input.test": [Self.publicAddress, Self.loopback],
            "rebind-redirect.test": [Self.publicAddress, Self.loopback],
            // Checked at submit and again at delivery, then (by a careless client) a third time.
            "rebind-hook.test": [Self.publicAddress, Self.publicAddress, Self.loopback],
        ])
        let image = try ImageServer.testImage()
        let publicSite = try await Site.start(host: "1.2.3.4", image: image)
        let insider = try await Site.start(host: "127.0.0.1", image: image)
        let server = try await TestServer.start(configure: { $0.allowPrivateInputs = false })
        defer { Task { await server.stopAndClean(); await publicSite.stop(); await insider.stop(); await dns.stop() } }

        let direct = try await submit(server, image: "http://rebind-input.test/card.jpg", webhook: "http://rebind-hook.test/hook")
        let redirected = try await submit(server, image: "http://public.test/redirect")
        for (name, statusURL) in [("direct", direct), ("redirected", redirected)] {
            let final = try await HTTPTestClient.waitForTerminal(statusURL, apiKey: server.apiKey, timeout: 120)
            #expect(final.json["status"] as? String == "COMPLETED", "\(name): \(final.json)")
        }
        let deadline = Date().addingTimeInterval(30)
        while publicSite.hits.withLock({ $0["/hook"] ?? 0 }) == 0, Date() < deadline {
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(publicSite.hits.withLock { $0 } == ["/card.jpg": 2, "/redirect": 1, "/hook": 1])
        #expect(insider.hits.withLock { $0 }.isEmpty, "the loopback listener was reached: \(insider.hits.withLock { $0 })")
    }

    private func submit(_ server: TestServer, image: String, webhook: String? = nil) async throws -> String {
        let query = webhook.map { "?webhook=\($0)" } ?? ""
        let reply = try await HTTPTestClient.send(
            .POST, "\(server.baseURL)/v2/\(Self.model)\(query)", apiKey: server.apiKey,
            json: ["prompt": "x", "start_image_url": image, "duration": "3", "generate_audio": false])
        #expect(reply.status == 200, "\(reply.json)")
        return try #require(reply.json["status_url"] as? String)
    }

    /// A web server on port 80 of `host` that counts the requests to each path.
    final class Site: Sendable {
        let hits = Mutex<[String: Int]>([:])
        private let task: Mutex<Task<Void, any Error>?> = Mutex(nil)

        static func start(host: String, image: Data) async throws -> Site {
            let site = Site()
            let router = Router()
            router.get("/card.jpg") { _, _ in
                site.count("/card.jpg")
                return Response(status: .ok, headers: [.contentType: "image/jpeg"], body: .init(byteBuffer: ByteBuffer(data: image)))
            }
            router.get("/redirect") { _, _ in
                site.count("/redirect")
                return Response(status: .found, headers: [.location: "http://rebind-redirect.test/card.jpg"])
            }
            router.post("/hook") { _, _ in
                site.count("/hook")
                return Response(status: .ok)
            }
            var logger = Logger(label: "site")
            logger.logLevel = .error
            let ready = ReadySignal()
            let app = Application(
                router: router, configuration: .init(address: .hostname(host, port: 80)),
                onServerRunning: { _ in ready.fire(.success((80, ""))) }, logger: logger)
            site.task.withLock {
                $0 = Task {
                    do { try await app.run() } catch {
                        ready.fire(.failure(error))
                        throw error
                    }
                }
            }
            _ = try await ready.wait()
            return site
        }

        private func count(_ path: String) { hits.withLock { $0[path, default: 0] += 1 } }

        func stop() async {
            let task = self.task.withLock { $0 }
            task?.cancel()
            _ = try? await task?.value
        }
    }
}
