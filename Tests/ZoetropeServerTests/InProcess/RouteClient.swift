import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore

/// A response as the in-process tests look at it.
struct RouteReply {
    var status: Int
    var headers: HTTPFields
    var body: Data

    /// The body parsed as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    var error: String? { json["error"] as? String }

    func header(_ name: String) -> String? { HTTPField.Name(name).flatMap { headers[$0] } }
}

/// Sends requests straight to a gateway's router through HummingbirdTesting: no port, no sockets.
struct RouteClient: Sendable {
    let client: any TestClientProtocol

    func send(
        _ method: HTTPRequest.Method, _ uri: String, key: String? = nil, json: Any? = nil, body: Data? = nil,
        contentType: String? = nil, headers extra: [String: String] = [:]
    ) async throws -> RouteReply {
        var headers = HTTPFields()
        if let key { headers[HTTPField.Name("x-api-key")!] = key }
        var payload: ByteBuffer?
        if let json {
            headers[.contentType] = contentType ?? "application/json"
            payload = ByteBuffer(data: try JSONSerialization.data(withJSONObject: json))
        } else if let body {
            if let contentType { headers[.contentType] = contentType }
            payload = ByteBuffer(data: body)
        }
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        let response = try await client.executeRequest(uri: uri, method: method, headers: headers, body: payload)
        return RouteReply(
            status: Int(response.status.code), headers: response.headers, body: Data(buffer: response.body))
    }

    /// Polls a request's status until it ends; returns the last status reply.
    func waitForEnd(_ id: String, key: String, timeout: Double = 30) async throws -> RouteReply {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let reply = try await send(.get, "/v2/requests/\(id)/status", key: key)
            if let status = reply.json["status"] as? String, ["COMPLETED", "FAILED", "CANCELLED"].contains(status) {
                return reply
            }
            guard Date() < deadline else { throw TestFailure("request \(id) did not end within \(timeout) s") }
            // A client polling faster than the key's rate limit waits as it is told, as clients do.
            if reply.status == 429, let wait = reply.header("Retry-After").flatMap(Double.init) {
                try await Task.sleep(for: .seconds(wait))
                continue
            }
            guard reply.status == 200 else { throw TestFailure("status of \(id) answered \(reply.status): \(reply.text)") }
            // Ten polls a second: the default rate limit's pace, so a long render does not drain its burst.
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
