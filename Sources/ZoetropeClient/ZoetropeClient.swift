import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A client of a Zoetrope server, or of any Segmind-style serverless API (same wire protocol):
/// submit a job and poll it, submit and wait, or call the blocking v1 endpoint.
///
/// ```swift
/// let client = Client(apiKey: key, baseURL: URL(string: "http://127.0.0.1:8080")!)
/// let job = try await client.submitAsync(KlingImageToVideo(
///     prompt: "slow push in", startImageURL: try KlingImageToVideo.dataURI(contentsOf: photo)))
/// let result = try await job.wait()
/// print(result.outputURL ?? "")
/// ```
public struct Client: Sendable {
    public let apiKey: String
    /// The server's root (a trailing `/v1`, as Segmind's SDK takes, is removed).
    public let baseURL: URL
    public var retryPolicy: RetryPolicy
    /// Longest a single HTTP exchange may take (the v1 call waits for the whole render).
    public var requestTimeout: Duration
    let http: HTTPClient

    /// `apiKey` defaults to `ZOETROPE_API_KEY`, then `SEGMIND_API_KEY`; `baseURL` to
    /// `ZOETROPE_BASE_URL`, then `http://127.0.0.1:8080`.
    public init(
        apiKey: String? = nil, baseURL: URL? = nil, retryPolicy: RetryPolicy = RetryPolicy(),
        requestTimeout: Duration = .seconds(1800), httpClient: HTTPClient = .shared
    ) {
        let environment = ProcessInfo.processInfo.environment
        self.apiKey = apiKey ?? environment["ZOETROPE_API_KEY"] ?? environment["SEGMIND_API_KEY"] ?? ""
        var base = baseURL?.absoluteString ?? environment["ZOETROPE_BASE_URL"] ?? "http://127.0.0.1:8080"
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasSuffix("/v1") { base.removeLast(3) }
        self.baseURL = URL(string: base) ?? URL(string: "http://127.0.0.1:8080")!
        self.retryPolicy = retryPolicy
        self.requestTimeout = requestTimeout
        self.http = httpClient
    }

    // MARK: - Submitting

    /// Queues a job (`POST /v2/{model}`) and returns at once. A submit is retried on 429 (the
    /// server took nothing), and on 502, 503 and connection errors only with an `idempotencyKey`.
    public func submitAsync(model: String, _ parameters: JSON, idempotencyKey: String? = nil) async throws -> Job {
        let reply = try await send(
            .POST, path: "/v2/\(model)", body: parameters.encoded(), idempotencyKey: idempotencyKey,
            retryTransportErrors: idempotencyKey != nil)
        guard let id = reply.json["request_id"]?.string else {
            throw RequestRefused(status: reply.status, message: "the submit answer has no request_id")
        }
        let statusURL = reply.json["status_url"]?.string ?? "\(baseURL.absoluteString)/v2/requests/\(id)/status"
        let responseURL = reply.json["response_url"]?.string ?? "\(baseURL.absoluteString)/v2/requests/\(id)"
        return Job(requestID: id, statusURL: statusURL, responseURL: responseURL, client: self)
    }

    /// Queues a typed video request.
    public func submitAsync(_ request: KlingImageToVideo, idempotencyKey: String? = nil) async throws -> Job {
        try await submitAsync(model: KlingImageToVideo.model, try Self.json(request), idempotencyKey: idempotencyKey)
    }

    /// Submits and waits for the result; throws `InferenceFailed` or `InferenceTimeout`.
    public func run(
        model: String, _ parameters: JSON, timeout: Duration = .seconds(900), interval: Duration = .seconds(2)
    ) async throws -> JobResult {
        try await submitAsync(model: model, parameters).wait(timeout: timeout, interval: interval)
    }

    /// Submits a typed video request and waits for the result.
    public func run(
        _ request: KlingImageToVideo, timeout: Duration = .seconds(900), interval: Duration = .seconds(2)
    ) async throws -> JobResult {
        try await submitAsync(request).wait(timeout: timeout, interval: interval)
    }

    /// The blocking v1 call (`POST /v1/{model}`): the output's bytes (the MP4, or a model's JSON).
    /// A failed job throws `InferenceFailed`.
    public func runSync(model: String, _ parameters: JSON) async throws -> Data {
        do {
            return try await send(.POST, path: "/v1/\(model)", body: parameters.encoded(), retryTransportErrors: false).body
        } catch let error as RequestRefused where error.status == 422 {
            throw InferenceFailed(requestID: "", detail: error.message, body: ["error": .string(error.message)])
        }
    }

    /// The blocking v1 call for a typed video request: the MP4's bytes.
    public func runSync(_ request: KlingImageToVideo) async throws -> Data {
        try await runSync(model: KlingImageToVideo.model, try Self.json(request))
    }

    /// A job known by its id (to poll or wait on one submitted earlier).
    public func job(id: String) -> Job {
        let base = "\(baseURL.absoluteString)/v2/requests/\(id)"
        return Job(requestID: id, statusURL: "\(base)/status", responseURL: base, client: self)
    }

    /// Downloads a URL with no API key (a result's signed `output` link).
    public func download(_ url: String) async throws -> Data {
        try await send(.GET, url: url, authenticated: false, retryTransportErrors: true).body
    }

    // MARK: - HTTP

    /// A reply the caller reads: its status, body and the body as JSON (null when not JSON).
    struct Reply {
        var status: Int
        var body: Data
        var json: JSON
        var headers: HTTPHeaders
    }

    func send(
        _ method: HTTPMethod, path: String, body: Data? = nil, idempotencyKey: String? = nil,
        retryTransportErrors: Bool, acceptFailedBody: Bool = false
    ) async throws -> Reply {
        try await send(
            method, url: baseURL.absoluteString + path, body: body, idempotencyKey: idempotencyKey,
            retryTransportErrors: retryTransportErrors, acceptFailedBody: acceptFailedBody)
    }

    /// One logical request with retries. `acceptFailedBody`: a 422 whose body says FAILED is an
    /// answer, not an error (status and result polls).
    func send(
        _ method: HTTPMethod, url: String, body: Data? = nil, idempotencyKey: String? = nil, authenticated: Bool = true,
        retryTransportErrors: Bool, acceptFailedBody: Bool = false
    ) async throws -> Reply {
        var attempt = 0
        while true {
            attempt += 1
            var request = HTTPClientRequest(url: url)
            request.method = method
            if authenticated { request.headers.add(name: "x-api-key", value: apiKey) }
            request.headers.add(name: "User-Agent", value: "zoetrope-swift-client/1")
            if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: body))
            }
            let reply: Reply
            do {
                let response = try await http.execute(request, timeout: .nanoseconds(Int64(requestTimeout.nanoseconds)))
                let buffer = try await response.body.collect(upTo: 1 << 30)
                let data = Data(buffer.readableBytesView)
                reply = Reply(
                    status: Int(response.status.code), body: data, json: (try? JSON.decode(data)) ?? .null,
                    headers: response.headers)
            } catch {
                guard retryTransportErrors, attempt < retryPolicy.maxAttempts else { throw error }
                try await Task.sleep(for: retryPolicy.delay(afterAttempt: attempt, retryAfter: nil))
                continue
            }
            if (200..<300).contains(reply.status) { return reply }
            if acceptFailedBody && reply.status == 422 && reply.json["status"]?.string == "FAILED" { return reply }
            let retryAfter = reply.headers.first(name: "Retry-After").flatMap(Double.init)
            let retryable = reply.status == 429 || (retryTransportErrors && RetryPolicy.retryableStatuses.contains(reply.status))
            if retryable && attempt < retryPolicy.maxAttempts {
                try await Task.sleep(for: retryPolicy.delay(afterAttempt: attempt, retryAfter: retryAfter))
                continue
            }
            let message = reply.json["error"]?.string
                ?? String(decoding: reply.body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw RequestRefused(status: reply.status, message: message.isEmpty ? "HTTP \(reply.status)" : message, retryAfter: retryAfter)
        }
    }

    static func json(_ value: some Encodable) throws -> JSON {
        try JSON.decode(try JSONEncoder().encode(value))
    }
}

extension Duration {
    var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}
