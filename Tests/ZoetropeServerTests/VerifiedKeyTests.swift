import Foundation
import Logging
import Testing
import ZoetropeCore
import ZoetropeStore

/// The gateway keeps verified keys in memory, yet a revocation made anywhere stops the key: at once
/// through this gateway, via `NOTIFY` through another gateway on PostgreSQL, and within a second
/// from another process beside a SQLite-backed gateway (as `zoetrope keys revoke` is).
@Suite(.serialized)
struct VerifiedKeyTests {
    /// Polls `url` with `key` until it answers 401; the seconds that took (nil: not within `limit`).
    static func secondsUntilRefused(_ url: String, key: String, limit: Double = 5) async throws -> Double? {
        let start = ContinuousClock.now
        while (ContinuousClock.now - start).inSeconds < limit {
            if try await HTTPTestClient.send(.GET, url, apiKey: key).status == 401 { return (ContinuousClock.now - start).inSeconds }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    @Test(arguments: TestDatabase.all) func aRevocationByAnotherProcessStopsACachedKey(database: TestDatabase) async throws {
        let server = try await TestServer.start(database: database)
        defer { Task { await server.stopAndClean() } }
        let url = "\(server.baseURL)/v1/voices"
        // Used, so verified and kept.
        for _ in 0..<3 { #expect(try await HTTPTestClient.send(.GET, url, apiKey: server.apiKey).status == 200) }

        // Another process's store on the same database revokes it.
        let location = try DatabaseLocation.parse(server.configuration.databaseURL, dataDirectory: server.dataDirectory)
        let other = try await location.open(logger: Logger(label: "other-process"), queryTimeout: .seconds(60))
        let key = try #require(try await other.key(hash: APIKeyGenerator.hash(server.apiKey)))
        #expect(try await other.revokeKey(id: key.id, now: Date()))
        try await other.close()

        let seconds = try await Self.secondsUntilRefused(url, key: server.apiKey)
        #expect(seconds != nil, "\(database): the revoked key was still accepted after 5 s")
    }

    @Test(.enabled(if: TestDatabase.adminURL != nil, "needs ZOETROPE_TEST_DATABASE_URL"))
    func aRevocationThroughOneGatewayStopsTheKeyOnAnother() async throws {
        var admin = ""
        let first = try await TestServer.start(database: .postgres, prepare: { store, _ in
            admin = try await APIKeyGenerator.create(name: "admin", in: store, options: KeyOptions(role: .admin)).1
        })
        defer { Task { await first.stopAndClean() } }
        let second = try await TestServer.start { $0.databaseURL = first.configuration.databaseURL }
        defer { Task { await second.stopAndClean() } }

        let created = try await HTTPTestClient.send(.POST, "\(first.baseURL)/v1/admin/keys", apiKey: admin, json: ["name": "customer"])
        let secret = try #require(created.json["secret"] as? String)
        let id = try #require(created.json["id"] as? String)
        let url = "\(second.baseURL)/v1/voices"
        for _ in 0..<3 { #expect(try await HTTPTestClient.send(.GET, url, apiKey: secret).status == 200) }

        #expect(try await HTTPTestClient.send(.POST, "\(first.baseURL)/v1/admin/keys/\(id)/revoke", apiKey: admin).status == 200)
        // Refused by the gateway that revoked it at once, and by the other as soon as NOTIFY arrives.
        #expect(try await HTTPTestClient.send(.GET, "\(first.baseURL)/v1/voices", apiKey: secret).status == 401)
        let seconds = try await Self.secondsUntilRefused(url, key: secret)
        #expect(seconds != nil, "the other gateway still accepted the revoked key after 5 s")
    }
}
