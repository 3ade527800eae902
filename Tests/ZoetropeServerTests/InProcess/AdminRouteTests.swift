import Foundation
import Testing
import ZoetropeCore

/// The admin key API in process: list, create (the secret shown once), revoke and change
/// credits, and its refusals (401, 403, 404, 405, 400, 413, 415).
struct AdminRouteTests {
    @Test func keysAreCreatedListedToppedUpAndRevoked() async throws {
        try await InProcessGateway.test { gateway in
            let client = gateway.client, admin = gateway.keys.admin
            let created = try await client.send(
                .post, "/v1/admin/keys", key: admin,
                json: ["name": "customer", "credits": "0.5", "access": "read-only", "models": [InProcessGateway.model]])
            #expect(created.status == 200, "\(created.text)")
            let secret = try #require(created.json["secret"] as? String)
            let id = try #require(created.json["id"] as? String)
            #expect(created.json["role"] as? String == "user" && created.json["access"] as? String == "read-only")
            #expect(created.json["models"] as? [String] == [InProcessGateway.model] && created.json["credits"] as? Double == 0.5)
            #expect(created.text.contains("\"webhook\":null") && created.text.contains("\"revoked_at\":null"))
            #expect(try await client.send(.get, "/v1/get-user-credits", key: secret).json["credits"] as? Double == 0.5)

            let topped = try await client.send(.post, "/v1/admin/keys/\(id)/credits", key: admin, json: ["add": "1.25"])
            #expect(topped.status == 200 && topped.json["credits"] as? Double == 1.75 && topped.json["secret"] == nil)
            let unmetered = try await client.send(.post, "/v1/admin/keys/\(id)/credits", key: admin, json: ["set": NSNull()])
            #expect(unmetered.status == 200 && unmetered.text.contains("\"credits\":null"))

            let listed = try await client.send(.get, "/v1/admin/keys", key: admin)
            let keys = try #require(listed.json["keys"] as? [[String: Any]])
            #expect(keys.contains { $0["id"] as? String == id } && keys.count == 10)
            #expect(!listed.text.contains(secret) && !listed.text.contains("\"secret\""))

            let revoked = try await client.send(.post, "/v1/admin/keys/\(id)/revoke", key: admin)
            #expect(revoked.status == 200 && revoked.json["revoked_at"] is String)
            #expect(try await client.send(.get, "/v1/get-user-credits", key: secret).status == 401)
        }
    }

    @Test func adminRoutesRefuse() async throws {
        try await InProcessGateway.test(configure: { $0.maxBodyBytes = 1 << 21 }) { gateway in
            let client = gateway.client, keys = gateway.keys, admin = keys.admin
            #expect(try await client.send(.get, "/v1/admin/keys").status == 401)
            let user = try await client.send(.get, "/v1/admin/keys", key: keys.user)
            #expect(user.status == 403 && user.error == "this API key is not an admin key")
            #expect(try await client.send(.post, "/v1/admin/keys/x/revoke", key: keys.worker).status == 403)
            #expect(try await client.send(.delete, "/v1/admin/keys", key: admin).status == 405)
            #expect(try await client.send(.get, "/v1/admin/keys/x/revoke", key: admin).status == 405)

            for (body, field) in [
                ([:], "name"), (["name": ""], "name"), (["name": "x", "role": "root"], "role"),
                (["name": "x", "models": ["nope"]], "models"), (["name": "x", "credits": "lots"], "credits"),
                (["name": "x", "webhook": "ftp://x"], "webhook"), (["name": "x", "nickname": "y"], "nickname"),
            ] as [([String: Any], String)] {
                let reply = try await client.send(.post, "/v1/admin/keys", key: admin, json: body)
                #expect(reply.status == 400 && reply.error?.contains(field) == true, "\(body): \(reply.text)")
            }
            let array = try await client.send(.post, "/v1/admin/keys", key: admin, json: [1])
            #expect(array.status == 400 && array.error == "request body must be a JSON object")
            let form = try await client.send(
                .post, "/v1/admin/keys", key: admin, body: Data("name=x".utf8), contentType: "application/x-www-form-urlencoded")
            #expect(form.status == 415)
            // Admin bodies have their own 1 MiB cap, below the submit cap.
            let big = try await client.send(.post, "/v1/admin/keys", key: admin, json: ["name": String(repeating: "n", count: 1 << 20)])
            #expect(big.status == 413)

            #expect(try await client.send(.post, "/v1/admin/keys/nope/revoke", key: admin).error == "no key with id 'nope'")
            let unknown = try await client.send(.post, "/v1/admin/keys/nope/credits", key: admin, json: ["add": "1"])
            #expect(unknown.status == 404 && unknown.error == "no key with id 'nope'")
            let both = try await client.send(.post, "/v1/admin/keys/\(keys.meteredID)/credits", key: admin, json: ["add": "1", "set": "2"])
            #expect(both.status == 400 && both.error?.hasPrefix("give exactly one of") == true)
            let neither = try await client.send(.post, "/v1/admin/keys/\(keys.meteredID)/credits", key: admin, json: [:])
            #expect(neither.status == 400)
            let extra = try await client.send(.post, "/v1/admin/keys/\(keys.meteredID)/credits", key: admin, json: ["add": "1", "why": "x"])
            #expect(extra.status == 400 && extra.error == "unknown parameters: why")
            let bad = try await client.send(.post, "/v1/admin/keys/\(keys.meteredID)/credits", key: admin, json: ["add": "1.0000001"])
            #expect(bad.status == 400 && bad.error?.contains("add") == true, "\(bad.text)")
        }
    }
}
