import Foundation
import Testing
import ZoetropeCore
import ZoetropeWorker

/// What an upstream's answers mean (`UpstreamVerdict`): answers, FAILED under 422, the waits of a
/// 429 from `Retry-After` and `x-rate-limit-reset-at-utc` in their forms, blips, the upstream's
/// own trouble and refusals; and how upstreams are named and their keys kept out of sight.
struct UpstreamAnswerTests {
    let now = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z

    @Test func answersAreReadByStatusAndBody() {
        let queued: JSONValue = ["status": "QUEUED", "request_id": "r"]
        #expect(UpstreamVerdict.of(UpstreamReply(status: 200, body: queued)) == .answer(queued))
        let failed: JSONValue = ["status": "FAILED", "error": "no"]
        #expect(UpstreamVerdict.of(UpstreamReply(status: 422, body: failed)) == .answer(failed))
        #expect(UpstreamVerdict.of(UpstreamReply(status: 200)) == .retry("HTTP 200 without a JSON body"))
        #expect(UpstreamVerdict.of(UpstreamReply(status: 401)) == .trouble(.keyRefused, "HTTP 401"))
        #expect(UpstreamVerdict.of(UpstreamReply(status: 403)) == .trouble(.keyRefused, "HTTP 403"))
        #expect(UpstreamVerdict.of(UpstreamReply(status: 406, body: ["error": "balance 3"])) == .trouble(.outOfCredits, "HTTP 406"))
        #expect(UpstreamVerdict.of(UpstreamReply(status: 402)) == .trouble(.outOfCredits, "HTTP 402"))
        #expect(UpstreamVerdict.of(UpstreamReply(status: 404)) == .notFound)
        #expect(UpstreamVerdict.of(UpstreamReply(status: 503)) == .retry("HTTP 503"))
        #expect(UpstreamVerdict.of(UpstreamReply(status: 500, body: ["error": "x"])) == .retry("HTTP 500"))
        #expect(UpstreamVerdict.of(UpstreamReply(status: 400, body: ["error": "duration is bad"])) == .refused(400, "duration is bad"))
        #expect(UpstreamVerdict.of(UpstreamReply(status: 422, body: ["detail": "cfg_scale"])) == .refused(422, "cfg_scale"))
    }

    @Test func aRateLimitWaitsAsLongAsTheUpstreamSays() throws {
        func wait(_ retryAfter: String?, _ reset: String?) -> Double {
            UpstreamVerdict.rateLimitWait(UpstreamReply(status: 429, retryAfter: retryAfter, rateLimitResetAt: reset), now: now)
        }
        #expect(UpstreamVerdict.of(UpstreamReply(status: 429, retryAfter: "7"), now: now) == .wait(7))
        #expect(wait(nil, nil) == 5)
        #expect(wait("2", "2026-01-01T00:00:04Z") == 4)
        #expect(wait("9", "2026-01-01T00:00:04.500Z") == 9)
        #expect(wait(nil, "2026-01-01T00:00:03+00:00") == 3)
        #expect(wait(nil, "2026-01-01 00:00:06") == 6)
        #expect(wait(nil, "1767225612") == 12)
        #expect(wait(nil, "1767225612500") == 12.5)
        #expect(wait("Thu, 01 Jan 2026 00:00:08 GMT", nil) == 8)
        #expect(wait("0", nil) == 0.5 && wait(nil, "2025-12-31T23:59:00Z") == 0.5)
        #expect(wait("86400", nil) == UpstreamVerdict.longestWait)
        #expect(wait("soon", "whenever") == 5)
    }

    @Test func upstreamsAreNamedAndTheirKeysHidden() throws {
        let endpoint = try UpstreamEndpoint.parse("segmind=https://api.segmind.com/v1/")
        #expect(endpoint.name == "segmind" && endpoint.baseURL.absoluteString == "https://api.segmind.com")
        #expect(try UpstreamEndpoint.parse("gw-2=http://[::1]:8080").baseURL.absoluteString == "http://[::1]:8080")
        for bad in ["segmind", "=https://x.example.com", "s=https://", "s=file:///etc", "s=https://x.example.com/?a=1"] {
            #expect(throws: ConfigurationError.self) { try UpstreamEndpoint.parse(bad) }
        }
        var keyed = endpoint
        keyed.key = UpstreamKey("  sk-secret-123456\n")
        #expect(keyed.key.value == "sk-secret-123456")
        for text in ["\(keyed)", String(reflecting: keyed), "\(keyed.key)", String(reflecting: keyed.key)] {
            #expect(!text.contains("sk-secret"), "\(text)")
        }
        var dumped = ""
        dump(keyed, to: &dumped)
        #expect(!dumped.contains("sk-secret"), "\(dumped)")
        #expect(keyed.key.redacting("key sk-secret-123456 refused") == "key (hidden) refused")
        #expect(keyed.keyVariable == "ZOETROPE_UPSTREAM_KEY_SEGMIND")
    }
}
