import HTTPTypes
import Foundation
import Hummingbird
import ZoetropeCore

/// Builds JSON responses from the answer types, including the `{"error": "..."}` shape every error takes.
enum JSONResponse {
    /// A typed answer, encoded as it is declared (snake_case keys, sorted).
    static func make<Answer: Encodable>(
        encoding answer: Answer, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]
    ) throws -> Response {
        make(body: try body(encoding: answer), status: status, headers: headers)
    }

    /// A response whose body is JSON already encoded (by `body(encoding:)`).
    static func make(body: ByteBuffer, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }

    /// A typed answer as a response body: its JSON and a newline.
    static func body<Answer: Encodable>(encoding answer: Answer) throws -> ByteBuffer {
        var body = try encoded(answer)
        body.append(0x0A)
        return ByteBuffer(bytes: body)
    }

    /// A typed answer as compact JSON with sorted keys (as `JSONValue.encoded()` writes).
    static func encoded<Answer: Encodable>(_ answer: Answer) throws -> Data { try encoder.encode(answer) }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func error(_ error: APIError) -> Response {
        var headers = HTTPFields()
        for (name, value) in error.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return (try? make(encoding: ErrorAnswer(error: error.message), status: error.status, headers: headers))
            ?? Response(status: error.status, headers: headers)
    }
}

extension Date {
    /// RFC 3339 with milliseconds, UTC.
    var iso8601: String { formatted(Self.rfc3339) }

    /// Foundation's Swift formatter: a fraction of the cost of creating an `ISO8601DateFormatter`.
    private static let rfc3339 = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}
