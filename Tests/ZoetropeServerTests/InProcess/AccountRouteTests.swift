import Foundation
import Testing
import ZoetropeCore

/// Voices, credits and webhooks in process: a voice made by the stub engine, listed, read,
/// used and deleted; the balance of metered and unmetered keys; the webhook secret and a request's
/// delivery log; and their refusals (401, 403, 404, 405).
struct AccountRouteTests {
    @Test func aVoiceIsMadeListedUsedAndDeleted() async throws {
        try await InProcessGateway.test { gateway in
            let client = gateway.client, key = gateway.keys.user
            let id = try await gateway.submit(
                ["voice_name": "Narrator", "voice_url": "https://example.com/a.wav"], model: InProcessGateway.voiceModel)
            _ = try await client.waitForEnd(id, key: key)
            let result = try await client.send(.get, "/v2/requests/\(id)", key: key)
            let output = try #require(result.json["output"] as? [String: Any])
            let voiceID = try #require(output["voice_id"] as? String)
            #expect(voiceID == VoiceProfile.voiceID(jobID: id) && output["voice_name"] as? String == "Narrator")

            let list = try await client.send(.get, "/v1/voices", key: key)
            #expect(list.status == 200 && (list.json["voices"] as? [[String: Any]])?.count == 1)
            let voice = try await client.send(.get, "/v1/voices/\(voiceID)", key: key)
            #expect(voice.status == 200)
            #expect(Set(voice.json.keys) == ["voice_id", "voice_name", "pitch_hz", "syllables_per_second", "espeak", "created_at"])
            #expect(voice.json["pitch_hz"] as? Double == 120.5 && voice.json["syllables_per_second"] as? Double == 4.25)
            let espeak = try #require(voice.json["espeak"] as? [String: Any])
            #expect(espeak["variant"] as? String == "m3" && espeak["pitch"] as? Int == 40 && espeak["words_per_minute"] as? Int == 165)
            #expect(voice.text.contains("\"pitch\":40,"))

            // Another key sees nothing of it, and may not use it.
            #expect(try await client.send(.get, "/v1/voices/\(voiceID)", key: gateway.keys.other).status == 404)
            #expect(try await client.send(.delete, "/v1/voices/\(voiceID)", key: gateway.keys.other).status == 404)
            #expect((try await client.send(.get, "/v1/voices", key: gateway.keys.other).json["voices"] as? [Any])?.isEmpty == true)
            var video = InProcessGateway.video()
            video["voice_ids"] = [voiceID]
            #expect(try await client.send(.post, "/v2/\(InProcessGateway.model)", key: gateway.keys.other, json: video).status == 400)
            #expect(try await client.send(.post, "/v2/\(InProcessGateway.model)", key: key, json: video).status == 200)

            let deleted = try await client.send(.delete, "/v1/voices/\(voiceID)", key: key)
            #expect(deleted.status == 200 && deleted.text == "{\"deleted\":true,\"voice_id\":\"\(voiceID)\"}\n")
            let gone = try await client.send(.get, "/v1/voices/\(voiceID)", key: key)
            #expect(gone.status == 404 && gone.error == "voice '\(voiceID)' not found (unknown, deleted, or not yours)")
            #expect(try await client.send(.delete, "/v1/voices/\(voiceID)", key: key).status == 404)
        }
    }

    @Test func voiceRoutesRefuse() async throws {
        try await InProcessGateway.test { gateway in
            let client = gateway.client, keys = gateway.keys
            #expect(try await client.send(.get, "/v1/voices").status == 401)
            #expect(try await client.send(.get, "/v1/voices/x").status == 401)
            #expect(try await client.send(.get, "/v1/voices", key: keys.submitOnly).status == 403)
            #expect(try await client.send(.delete, "/v1/voices/x", key: keys.readOnly).status == 403)
            #expect(try await client.send(.get, "/v1/voices", key: keys.worker).status == 403)
            let put = try await client.send(.put, "/v1/voices/x", key: keys.user)
            #expect(put.status == 405 && put.header("Allow") == "DELETE, GET")
            #expect(try await client.send(.post, "/v1/voices", key: keys.user, json: [:]).status == 405)
            // Voice requests name the field they got wrong.
            for (body, field) in [
                (["voice_url": "https://example.com/a.wav"], "voice_name"),
                (["voice_name": "x"], "voice_url"),
                (["voice_name": "x", "voice_url": "ftp://example.com/a.wav"], "voice_url"),
            ] as [([String: Any], String)] {
                let reply = try await client.send(.post, "/v2/\(InProcessGateway.voiceModel)", key: keys.user, json: body)
                #expect(reply.status == 400 && reply.error?.contains(field) == true, "\(reply.text)")
            }
        }
    }

    @Test func creditsOfMeteredAndUnmeteredKeys() async throws {
        try await InProcessGateway.test { gateway in
            let client = gateway.client
            let free = try await client.send(.get, "/v1/get-user-credits", key: gateway.keys.user)
            #expect(free.status == 200 && free.text == "{\"credits\":null,\"metered\":false}\n")
            #expect(free.header("x-remaining-credits") == nil)
            let metered = try await client.send(.get, "/v1/get-user-credits", key: gateway.keys.metered)
            #expect(metered.text == "{\"credits\":1,\"metered\":true}\n" && metered.header("x-remaining-credits") == "1")
            #expect(try await client.send(.get, "/v1/get-user-credits").status == 401)
            #expect(try await client.send(.get, "/v1/get-user-credits", key: "zk_nope").status == 401)
            #expect(try await client.send(.post, "/v1/get-user-credits", key: gateway.keys.user, json: [:]).status == 405)
            #expect(try await client.send(.get, "/v1/get-user-credits", key: gateway.keys.worker).status == 403)
        }
    }

    @Test func webhookSecretAndDeliveryLog() async throws {
        try await InProcessGateway.test(configure: { $0.webhookRetryBase = 60 }) { gateway in
            let client = gateway.client, key = gateway.keys.user
            let secret = try await client.send(.get, "/v1/webhooks/secret", key: key)
            #expect(secret.status == 200 && (secret.json["secret"] as? String)?.isEmpty == false)
            #expect(try await client.send(.get, "/v1/webhooks/secret", key: key).body == secret.body)
            #expect(try await client.send(.get, "/v1/webhooks/secret", key: gateway.keys.other).body != secret.body)
            #expect(try await client.send(.get, "/v1/webhooks/secret").status == 401)

            // The key's default webhook is a loopback address the outbound policy refuses: the first
            // attempt fails at once and the delivery waits for the next.
            let hooked = gateway.keys.hooked
            let id = try await gateway.submit(key: hooked)
            _ = try await client.waitForEnd(id, key: hooked)
            var log = try await client.send(.get, "/v2/requests/\(id)/webhooks", key: hooked)
            let deadline = Date().addingTimeInterval(20)
            while ((log.json["deliveries"] as? [[String: Any]])?.first?["attempts"] as? [Any])?.isEmpty != false {
                guard Date() < deadline else { throw TestFailure("no webhook attempt: \(log.text)") }
                try await Task.sleep(for: .milliseconds(50))
                log = try await client.send(.get, "/v2/requests/\(id)/webhooks", key: hooked)
            }
            let delivery = try #require((log.json["deliveries"] as? [[String: Any]])?.first)
            #expect(delivery["url"] as? String == TestKeys.webhook && delivery["state"] as? String == "pending")
            #expect(delivery["next_attempt_at"] is String)
            let attempt = try #require((delivery["attempts"] as? [[String: Any]])?.first)
            #expect(attempt["attempt"] as? Int == 1 && attempt["at"] is String && attempt["error"] is String)
            #expect(log.text.contains("\"status_code\":null"))

            let none = try await client.send(.get, "/v2/requests/\(try await gateway.submit())/webhooks", key: key)
            #expect(none.status == 200 && none.text == "{\"deliveries\":[]}\n")
            #expect(try await client.send(.get, "/v2/requests/nope/webhooks", key: key).status == 404)
            #expect(try await client.send(.get, "/v2/requests/\(id)/webhooks", key: gateway.keys.other).status == 404)
            #expect(try await client.send(.get, "/v2/requests/\(id)/webhooks").status == 401)
            #expect(try await client.send(.post, "/v1/webhooks/secret", key: key, json: [:]).status == 405)
        }
    }
}
