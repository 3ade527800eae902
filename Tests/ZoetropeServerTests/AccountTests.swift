import Foundation
import Testing
import ZoetropeCore
import ZoetropeServer
import ZoetropeStore

/// Accounts over HTTP: credits (406, reserve/charge/release, never overspent), rate limits (429),
/// scopes (403) and the admin API.
@Suite(.serialized)
struct AccountTests {
    static let model = "kling-3-pro-image2video"

    static func image() throws -> String {
        "data:image/jpeg;base64," + (try ImageServer.testImage(width: 320, height: 180)).base64EncodedString()
    }

    static func body(_ image: String, duration: Int = 3) -> [String: Any] {
        ["prompt": "x", "start_image_url": image, "duration": String(duration), "generate_audio": false]
    }

    /// Whether an amount read back is `expected`, to the millionth credits are kept in.
    static func same(_ amount: Double?, _ expected: Double) -> Bool { amount.map { abs($0 - expected) < 1e-7 } ?? false }

    static func balance(_ server: TestServer, _ key: String) async throws -> Double? {
        try await HTTPTestClient.send(.GET, "\(server.baseURL)/v1/get-user-credits", apiKey: key).json["credits"] as? Double
    }

    @Test(arguments: TestDatabase.all) func creditsAreReservedChargedReleasedAndNeverOverspent(database: TestDatabase) async throws {
        var metered = ""
        // 0.1 credits a second: a 15 s video costs 1.5; the balance pays for exactly 10. (Long videos,
        // so none finishes before the test cancels it.)
        let server = try await TestServer.start(database: database, prepare: { store, _ in
            metered = try await APIKeyGenerator.create(name: "metered", in: store, options: KeyOptions(credits: Credits("15")!)).1
        })
        defer { Task { await server.stopAndClean() } }
        let image = try Self.image()
        let submitURL = "\(server.baseURL)/v2/\(Self.model)"

        // 50 concurrent submits: exactly 10 accepted, the rest 406 with both amounts.
        let key = metered
        let body = try JSONSerialization.data(withJSONObject: Self.body(image, duration: 15))
        let replies = try await withThrowingTaskGroup(of: HTTPReply.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    try await HTTPTestClient.send(.POST, submitURL, apiKey: key, body: body, contentType: "application/json")
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let accepted = replies.filter { $0.status == 200 }
        #expect(accepted.count == 10)
        #expect(replies.filter { $0.status == 406 }.count == 40)
        #expect(replies.first { $0.status == 406 }?.error == "insufficient credits: need 1.5, have 0")
        #expect(accepted.first?.headers.first(name: "x-remaining-credits") != nil)
        #expect(try await Self.balance(server, metered) == 0)

        // Cancelled jobs give their reservation back (one that finished first, on a slow machine,
        // answers 409 and stays charged).
        var finishedFirst = 0.0
        for reply in accepted {
            let id = try #require(reply.json["request_id"] as? String)
            let cancel = try await HTTPTestClient.send(.POST, "\(server.baseURL)/v2/requests/\(id)/cancel", apiKey: metered)
            if cancel.status == 409 { finishedFirst += 1 }
        }
        let base = 15 - 1.5 * finishedFirst
        #expect(Self.same(try await Self.balance(server, metered), base))

        // A completed job is charged; a failed one is not.
        let done = try await HTTPTestClient.send(.POST, submitURL, apiKey: metered, json: Self.body(image))
        let finished = try await HTTPTestClient.waitForTerminal(try #require(done.json["status_url"] as? String), apiKey: metered)
        #expect(finished.json["status"] as? String == "COMPLETED")
        let result = try await HTTPTestClient.send(.GET, try #require(done.json["response_url"] as? String), apiKey: metered)
        #expect((result.json["metrics"] as? [String: Any])?["cost"] as? Double == 0.3)
        #expect(Self.same((result.json["metrics"] as? [String: Any])?["remaining_credits"] as? Double, base - 0.3))
        #expect(Self.same(result.headers.first(name: "x-remaining-credits").flatMap(Double.init), base - 0.3))
        let broken = try await HTTPTestClient.send(
            .POST, submitURL, apiKey: metered, json: Self.body("data:image/png;base64," + Data("junk".utf8).base64EncodedString()))
        #expect(Self.same(broken.headers.first(name: "x-remaining-credits").flatMap(Double.init), base - 0.6))
        let failed = try await HTTPTestClient.waitForTerminal(try #require(broken.json["status_url"] as? String), apiKey: metered)
        #expect(failed.json["status"] as? String == "FAILED")
        #expect(Self.same(try await Self.balance(server, metered), base - 0.3))

        // An unmetered key has no balance header, and its credits read null.
        let free = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v1/get-user-credits", apiKey: server.apiKey)
        #expect(free.json["metered"] as? Bool == false)
        #expect(free.headers.first(name: "x-remaining-credits") == nil)
    }

    @Test(arguments: TestDatabase.all) func rateLimitAnswers429WithHeadersThenRecovers(database: TestDatabase) async throws {
        // One token every 5 s: the three quick requests cannot be helped by a refill.
        let server = try await TestServer.start(database: database, configure: { config in
            config.rateLimitPerMinute = 12
            config.rateLimitBurst = 3
        })
        defer { Task { await server.stopAndClean() } }
        let url = "\(server.baseURL)/v1/voices"
        for _ in 0..<3 {
            let reply = try await HTTPTestClient.send(.GET, url, apiKey: server.apiKey)
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "X-RateLimit-Limit") == "12")
        }
        let limited = try await HTTPTestClient.send(.GET, url, apiKey: server.apiKey)
        #expect(limited.status == 429)
        #expect(limited.error?.hasPrefix("rate limited") == true)
        let retryAfter = try #require(limited.headers.first(name: "Retry-After").flatMap(Int.init))
        #expect(retryAfter >= 1)
        #expect(limited.headers.first(name: "X-RateLimit-Remaining") == "0")
        #expect(limited.headers.first(name: "X-RateLimit-Reset") != nil)
        try await Task.sleep(for: .seconds(retryAfter))
        #expect(try await HTTPTestClient.send(.GET, url, apiKey: server.apiKey).status == 200)
    }

    /// `count` gateways on one fresh PostgreSQL database (the first makes it; the others open it,
    /// with data directories of their own), each limiting a key to a token a minute (a test is
    /// over long before one comes back) and `burst`.
    static func gatewaysOnOneDatabase(_ count: Int, burst: Int) async throws -> [TestServer] {
        func limited(_ config: inout ServerConfiguration) {
            config.rateLimitPerMinute = 1
            config.rateLimitBurst = burst
        }
        var gateways = [try await TestServer.start(database: .postgres, configure: limited)]
        do {
            while gateways.count < count {
                let url = gateways[0].configuration.databaseURL
                gateways.append(try await TestServer.start { config in
                    limited(&config)
                    config.databaseURL = url
                })
            }
        } catch {
            for gateway in gateways { await gateway.stopAndClean() }
            throw error
        }
        return gateways
    }

    /// The statuses of `count` GET /v1/voices sent at once with `key`, taking turns over `gateways`.
    static func statuses(of count: Int, spreadOver gateways: [TestServer], key: String) async throws -> [Int] {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<count {
                let url = "\(gateways[index % gateways.count].baseURL)/v1/voices"
                group.addTask { try await HTTPTestClient.send(.GET, url, apiKey: key).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test(.enabled(if: TestDatabase.adminURL != nil, "needs ZOETROPE_TEST_DATABASE_URL"))
    func threeGatewaysOnOneDatabaseShareAKeysRateLimit() async throws {
        let gateways = try await Self.gatewaysOnOneDatabase(3, burst: 10)
        defer { for gateway in gateways { Task { await gateway.stopAndClean() } } }
        let key = gateways[0].apiKey

        // 30 requests at once, 10 to each gateway: the key's one bucket of 10 lets 10 through.
        let statuses = try await Self.statuses(of: 30, spreadOver: gateways, key: key)
        #expect(statuses.filter { $0 == 200 }.count == 10)
        #expect(statuses.filter { $0 == 429 }.count == 20)

        // The 11th and later, on any gateway: 429 in JSON with Retry-After.
        for gateway in gateways {
            let limited = try await HTTPTestClient.send(.GET, "\(gateway.baseURL)/v1/voices", apiKey: key)
            #expect(limited.status == 429)
            #expect(limited.headers.first(name: "Content-Type")?.hasPrefix("application/json") == true)
            #expect(limited.error == "rate limited: this key may make 1 requests a minute; retry after \(limited.headers.first(name: "Retry-After") ?? "?") s")
            let retryAfter = try #require(limited.headers.first(name: "Retry-After").flatMap(Int.init))
            #expect((1...60).contains(retryAfter))
            #expect(limited.headers.first(name: "X-RateLimit-Limit") == "1")
            #expect(limited.headers.first(name: "X-RateLimit-Remaining") == "0")
        }
    }

    @Test(.enabled(if: TestDatabase.adminURL != nil, "needs ZOETROPE_TEST_DATABASE_URL"))
    func gatewaysTakingSharesOfABucketNeverAllowMoreThanIt() async throws {
        // A burst of 100: each gateway takes 10 tokens at a time from the shared bucket.
        let gateways = try await Self.gatewaysOnOneDatabase(2, burst: 100)
        defer { for gateway in gateways { Task { await gateway.stopAndClean() } } }
        let statuses = try await Self.statuses(of: 300, spreadOver: gateways, key: gateways[0].apiKey)
        // Never more than the bucket; at most one unspent share per gateway less.
        let allowed = statuses.filter { $0 == 200 }.count
        #expect((80...100).contains(allowed), "\(allowed) of 300 allowed")
        #expect(statuses.allSatisfy { $0 == 200 || $0 == 429 })
    }

    @Test(arguments: TestDatabase.all) func scopesAdminKeysAndRevocation(database: TestDatabase) async throws {
        var voiceOnly = "", readOnly = "", submitOnly = "", admin = ""
        let server = try await TestServer.start(database: database, prepare: { store, _ in
            voiceOnly = try await APIKeyGenerator.create(
                name: "voices", in: store, options: KeyOptions(models: [ModelCatalog.klingCreateVoice])).1
            readOnly = try await APIKeyGenerator.create(name: "reader", in: store, options: KeyOptions(access: .readOnly)).1
            submitOnly = try await APIKeyGenerator.create(name: "writer", in: store, options: KeyOptions(access: .submitOnly)).1
            admin = try await APIKeyGenerator.create(name: "admin", in: store, options: KeyOptions(role: .admin)).1
        })
        defer { Task { await server.stopAndClean() } }
        let image = try Self.image()
        let submitURL = "\(server.baseURL)/v2/\(Self.model)"

        let outside = try await HTTPTestClient.send(.POST, submitURL, apiKey: voiceOnly, json: Self.body(image))
        #expect(outside.status == 403)
        #expect(outside.error == "this API key may not use model '\(Self.model)'; it may use: kling-create-voice")
        #expect(try await HTTPTestClient.send(.POST, submitURL, apiKey: readOnly, json: Self.body(image)).status == 403)
        #expect(try await HTTPTestClient.send(.GET, "\(server.baseURL)/v1/requests", apiKey: readOnly).status == 200)
        let submitted = try await HTTPTestClient.send(.POST, submitURL, apiKey: submitOnly, json: Self.body(image))
        #expect(submitted.status == 200)
        #expect(try await HTTPTestClient.send(.GET, try #require(submitted.json["status_url"] as? String), apiKey: submitOnly).status == 403)
        #expect(try await HTTPTestClient.send(.GET, "\(server.baseURL)/v1/admin/keys", apiKey: server.apiKey).status == 403)

        // The admin API: create a metered key, top it up, revoke it (refused at once).
        let created = try await HTTPTestClient.send(
            .POST, "\(server.baseURL)/v1/admin/keys", apiKey: admin, json: ["name": "customer", "credits": "0.5"])
        #expect(created.status == 200)
        let secret = try #require(created.json["secret"] as? String)
        let id = try #require(created.json["id"] as? String)
        #expect(try await Self.balance(server, secret) == 0.5)
        let topped = try await HTTPTestClient.send(
            .POST, "\(server.baseURL)/v1/admin/keys/\(id)/credits", apiKey: admin, json: ["add": "1.25"])
        #expect(topped.json["credits"] as? Double == 1.75)
        let listed = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v1/admin/keys", apiKey: admin)
        #expect((listed.json["keys"] as? [[String: Any]])?.contains { $0["id"] as? String == id } == true)
        #expect(!String(decoding: listed.body, as: UTF8.self).contains(secret))
        #expect(try await HTTPTestClient.send(.POST, "\(server.baseURL)/v1/admin/keys/\(id)/revoke", apiKey: admin).status == 200)
        let revoked = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v1/get-user-credits", apiKey: secret)
        #expect(revoked.status == 401)
    }
}
