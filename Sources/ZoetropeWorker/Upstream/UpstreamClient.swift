import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ZoetropeCore

/// One upstream's v2 API as this gateway calls it, exactly as Segmind's SDK and Zoetrope's own
/// clients do: `POST {base}/v2/{slug}` (with an `Idempotency-Key`, which Zoetrope upstreams honour),
/// `GET {base}/v2/requests/{id}/status` and `GET {base}/v2/requests/{id}`, the key in `x-api-key`.
/// Each call answers with the HTTP status, the rate-limit headers and the JSON body; a thrown
/// error means the upstream gave no answer (not reachable, or too slow).
struct UpstreamClient: Sendable {
    let endpoint: UpstreamEndpoint
    let http: HTTPClient
    /// The longest one call may take (a submit may carry its inputs as base64).
    let timeout: Duration
    /// The largest answer read (a result may carry its output inline).
    static let maxAnswerBytes = 256 << 20

    func submit(slug: String, body: JSONValue, idempotencyKey: String) async throws -> UpstreamReply {
        try await call(.POST, ["v2", slug], body: body, idempotencyKey: idempotencyKey)
    }

    func status(of requestID: String) async throws -> UpstreamReply {
        try await call(.GET, ["v2", "requests", requestID, "status"])
    }

    func result(of requestID: String) async throws -> UpstreamReply {
        try await call(.GET, ["v2", "requests", requestID])
    }

    private func call(
        _ method: HTTPMethod, _ path: [String], body: JSONValue? = nil, idempotencyKey: String? = nil
    ) async throws -> UpstreamReply {
        var segment = CharacterSet.urlPathAllowed
        segment.remove("/")
        var url = endpoint.baseURL.absoluteString
        for part in path { url += "/" + (part.addingPercentEncoding(withAllowedCharacters: segment) ?? part) }
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "x-api-key", value: endpoint.key.value)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "zoetrope/1 (upstream engine)")
        if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: body.encoded()))
        }
        let response = try await http.execute(request, timeout: .milliseconds(Int64(timeout.inSeconds * 1000)))
        let bytes = try await response.body.collect(upTo: Self.maxAnswerBytes)
        return UpstreamReply(
            status: Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After"),
            rateLimitResetAt: response.headers.first(name: "x-rate-limit-reset-at-utc"),
            body: try? JSONValue.parse(Data(buffer: bytes)))
    }
}

/// An upstream's answer to one call: its HTTP status, the headers that say when to call again
/// after a 429, and its JSON body (nil when it sent none, or not JSON).
public struct UpstreamReply: Sendable, Equatable {
    public var status: Int
    public var retryAfter: String?
    public var rateLimitResetAt: String?
    public var body: JSONValue?

    public init(status: Int, retryAfter: String? = nil, rateLimitResetAt: String? = nil, body: JSONValue? = nil) {
        self.status = status
        self.retryAfter = retryAfter
        self.rateLimitResetAt = rateLimitResetAt
        self.body = body
    }

    /// The body's `status` (`QUEUED`, `PROCESSING`, `COMPLETED`, `FAILED`, …).
    var state: String? { body?["status"]?.stringValue }
    /// The body's `error`, or its `detail`/`message` as some APIs name it.
    var error: String? { body?["error"]?.stringValue ?? body?["detail"]?.stringValue ?? body?["message"]?.stringValue }
}
