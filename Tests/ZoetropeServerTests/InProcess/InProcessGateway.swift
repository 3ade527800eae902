import AsyncHTTPClient
import Foundation
import HummingbirdTesting
import Logging
import ZoetropeCore
import ZoetropeServer
import ZoetropeStore

/// The keys an in-process gateway starts with, one for each kind a route treats differently.
struct TestKeys: Sendable {
    var user = "", other = "", admin = "", worker = "", readOnly = "", submitOnly = "", voiceOnly = "", metered = ""
    /// A key whose requests call back `webhook` by default (a loopback address, which the
    /// outbound policy refuses at once unless private addresses are allowed).
    var hooked = ""
    static let webhook = "http://127.0.0.1:9/hook"
    /// The ids of `user` and `metered`.
    var userID = "", meteredID = ""

    static func create(in store: any DataStore) async throws -> TestKeys {
        var keys = TestKeys()
        func make(_ name: String, _ options: KeyOptions = KeyOptions()) async throws -> (APIKey, String) {
            try await APIKeyGenerator.create(name: name, in: store, options: options)
        }
        let user = try await make("user")
        keys.user = user.1
        keys.userID = user.0.id
        keys.other = try await make("other").1
        keys.admin = try await make("admin", KeyOptions(role: .admin)).1
        keys.worker = try await make("worker", KeyOptions(role: .worker)).1
        keys.readOnly = try await make("reader", KeyOptions(access: .readOnly)).1
        keys.submitOnly = try await make("writer", KeyOptions(access: .submitOnly)).1
        keys.voiceOnly = try await make("voices", KeyOptions(models: [ModelCatalog.klingCreateVoice])).1
        let metered = try await make("metered", KeyOptions(credits: Credits("1")!))
        keys.metered = metered.1
        keys.meteredID = metered.0.id
        keys.hooked = try await make("hooked", KeyOptions(webhookURL: webhook)).1
        return keys
    }
}

/// A gateway built in this process with `Gateway.buildApplication` on SQLite in a temporary
/// directory, rendering with `StubEngine`, and driven through HummingbirdTesting's router client:
/// contract tests need neither a port nor a render.
struct InProcessGateway: Sendable {
    let client: RouteClient
    let store: any DataStore
    let configuration: ServerConfiguration
    let keys: TestKeys

    static let model = ModelCatalog.klingImageToVideo
    static let voiceModel = ModelCatalog.klingCreateVoice

    /// A valid video request body (`prompt` may carry the stub's `[fail]` or `[hold]`).
    static func video(_ prompt: String = "a slow push in", duration: Int = 3) -> [String: Any] {
        ["prompt": prompt, "start_image_url": "aGVsbG8=", "duration": String(duration)]
    }

    /// Builds the gateway (`configure` adjusts its configuration), runs `body` against it, then
    /// shuts it down and removes its directory.
    static func test(
        configure: (inout ServerConfiguration) -> Void = { _ in },
        _ body: @Sendable (InProcessGateway) async throws -> Void
    ) async throws {
        var config = ServerConfiguration()
        config.databaseTimeout = .seconds(60)  // a loaded test machine is not a database outage
        config.host = "127.0.0.1"
        config.dataDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("zoetrope-inprocess-\(UUID().uuidString.prefix(8))")
        config.pollInterval = 0.02
        configure(&config)
        var logger = Logger(label: "zoetrope-inprocess")
        logger.logLevel = .critical
        try FileManager.default.createDirectory(at: config.dataDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: config.dataDirectory) }
        let store = try await config.databaseLocation().open(logger: logger, queryTimeout: config.databaseTimeout)
        let outcome: Result<Void, any Error>
        do {
            let keys = try await TestKeys.create(in: store)
            let app = try Gateway.buildApplication(
                configuration: config, store: store, httpClient: HTTPClient.shared, engines: { _ in StubEngine.engines },
                logger: logger)
            let configuration = config
            try await app.test(.router) { client in
                try await body(InProcessGateway(
                    client: RouteClient(client: client), store: store, configuration: configuration, keys: keys))
            }
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        try? await store.close()
        try outcome.get()
    }

    /// Submits `body` to `POST /v2/{model}`; returns the request id.
    func submit(_ body: [String: Any] = video(), model: String = model, key: String? = nil) async throws -> String {
        let reply = try await client.send(.post, "/v2/\(model)", key: key ?? keys.user, json: body)
        guard reply.status == 200, let id = reply.json["request_id"] as? String else {
            throw TestFailure("submit answered \(reply.status): \(reply.text)")
        }
        return id
    }
}
