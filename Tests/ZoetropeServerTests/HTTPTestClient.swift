import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ZoetropeCore

/// A response as tests look at it.
struct HTTPReply {
    var status: Int
    var headers: HTTPHeaders
    var body: Data

    /// The body parsed as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
    }

    var error: String? { json["error"] as? String }
}

/// Drives a server over real HTTP with AsyncHTTPClient.
enum HTTPTestClient {
    static func send(
        _ method: HTTPMethod, _ url: String, apiKey: String? = nil, json: Any? = nil, body: Data? = nil,
        contentType: String? = nil
    ) async throws -> HTTPReply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let apiKey { request.headers.add(name: "x-api-key", value: apiKey) }
        if let json {
            request.headers.add(name: "Content-Type", value: contentType ?? "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: json)))
        } else if let body {
            if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
            request.body = .bytes(ByteBuffer(data: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(300))
        let buffer = try await response.body.collect(upTo: 200 * 1024 * 1024)
        return HTTPReply(status: Int(response.status.code), headers: response.headers, body: Data(buffer.readableBytesView))
    }

    /// Polls a v2 status URL until the job ends; returns the final status reply.
    static func waitForTerminal(_ statusURL: String, apiKey: String, timeout: Double = 300) async throws -> HTTPReply {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let reply = try await send(.GET, statusURL, apiKey: apiKey)
            if let status = reply.json["status"] as? String, status == "COMPLETED" || status == "FAILED" {
                return reply
            }
            guard reply.status == 200 else { throw TestFailure("polling \(statusURL) answered \(reply.status): \(reply.json)") }
            if Date() > deadline { throw TestFailure("job did not finish within \(timeout) s: \(reply.json)") }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
