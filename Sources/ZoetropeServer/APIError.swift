import HTTPTypes
import Hummingbird

/// An error the gateway answers itself: an HTTP status and one human sentence, served as
/// `{"error": "..."}` with any extra headers (`Retry-After`, `Connection: close`). The domain's
/// errors are answered through `HTTPResponseError` too (`HTTPResponseError+Domain.swift`); the
/// status is chosen here, in the server, alone.
struct APIError: HTTPResponseError, Sendable, Equatable, CustomStringConvertible {
    var status: HTTPResponse.Status
    var message: String
    /// Extra response headers (for example `Retry-After`).
    var headers: [String: String]

    init(status: HTTPResponse.Status, message: String, headers: [String: String] = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    var description: String { "\(status.code): \(message)" }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONResponse.error(self)
    }

    static func badRequest(_ message: String) -> APIError { APIError(status: .badRequest, message: message) }
    static func unauthorized(_ message: String) -> APIError { APIError(status: .unauthorized, message: message) }
    static func forbidden(_ message: String) -> APIError { APIError(status: .forbidden, message: message) }
    static func notFound(_ message: String) -> APIError { APIError(status: .notFound, message: message) }
    static func unsupportedMediaType(_ message: String) -> APIError {
        APIError(status: .unsupportedMediaType, message: message)
    }
    static func internalError(_ message: String) -> APIError { APIError(status: .internalServerError, message: message) }
}
