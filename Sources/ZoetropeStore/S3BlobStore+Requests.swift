import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ZoetropeCore

/// Signed requests to the bucket: retries, and the errors they end in.
extension S3BlobStore {
    /// Sends a signed request (signed afresh for each attempt), retrying network errors,
    /// timeouts, 429 and 5xx answers after `retryPauses`; returns the last answer, or throws the
    /// last network error as a `RenderError` saying how many attempts were made.
    func send(
        _ method: String, _ url: URL, headers: [(name: String, value: String)] = [],
        body: () -> HTTPClientRequest.Body? = { nil },
        payloadHash: String = SigV4Signer.emptyPayloadHash, timeout: TimeAmount, what: String
    ) async throws -> HTTPClientResponse {
        var attempt = 0
        while true {
            var request = HTTPClientRequest(url: url.absoluteString)
            request.method = HTTPMethod(rawValue: method)
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            for (name, value) in signer.signedHeaders(method: method, url: url, headers: headers, payloadHash: payloadHash, date: Date()) {
                request.headers.add(name: name, value: value)
            }
            request.body = body()
            do {
                let response = try await httpClient.execute(request, timeout: timeout)
                guard Self.isRetryable(response.status), attempt < Self.retryPauses.count else { return response }
                _ = try? await response.body.collect(upTo: 1 << 20)
            } catch {
                if error is CancellationError || Task.isCancelled { throw error }
                guard attempt < Self.retryPauses.count else {
                    throw RenderError("S3 \(what) failed after \(attempt + 1) attempts: \(Self.describe(error, timeout: timeout))")
                }
            }
            try await Task.sleep(for: Self.retryPauses[attempt])
            attempt += 1
        }
    }

    /// Answers worth another attempt: throttling, timeouts and server errors.
    static func isRetryable(_ status: HTTPResponseStatus) -> Bool {
        status == .tooManyRequests || status == .requestTimeout || status.code >= 500
    }

    /// A network error, readably and without addresses.
    static func describe(_ error: any Error, timeout: TimeAmount) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout:
                return "the bucket gave no answer within \(Double(timeout.nanoseconds) / 1e9) s"
            case .connectTimeout: return "the bucket could not be reached (connect timeout)"
            case .remoteConnectionClosed: return "the bucket closed the connection"
            default: return "\(error)"
            }
        }
        if error is IOError || error is ChannelError { return "the bucket could not be reached" }
        return "\(error)"
    }

    func failure(_ response: HTTPClientResponse, _ what: String) async -> RenderError {
        Self.failure(status: response.status, bodyText: await Self.bodyText(response), what)
    }

    /// "S3 <what> failed: HTTP 403 Forbidden (AccessDenied: message)"; S3's error XML carries no secret.
    static func failure(status: HTTPResponseStatus, bodyText: String, _ what: String) -> RenderError {
        var detail = ""
        if let code = xmlElement("Code", in: bodyText) {
            detail = " (\(code)"
            if let message = xmlElement("Message", in: bodyText) { detail += ": \(message.prefix(300))" }
            detail += ")"
        }
        return RenderError("S3 \(what) failed: HTTP \(status.code) \(status.reasonPhrase)\(detail)")
    }

    static func bodyText(_ response: HTTPClientResponse) async -> String {
        guard let buffer = try? await response.body.collect(upTo: 64 * 1024) else { return "" }
        return String(decoding: buffer.readableBytesView, as: UTF8.self)
    }

    /// The text of the first `<name>…</name>` in `xml`, if any.
    static func xmlElement(_ name: String, in xml: String) -> String? {
        guard let start = xml.range(of: "<\(name)>"), let end = xml.range(of: "</\(name)>", range: start.upperBound..<xml.endIndex)
        else { return nil }
        return String(xml[start.upperBound..<end.lowerBound])
    }
}
