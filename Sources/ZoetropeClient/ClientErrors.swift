import Foundation

/// The server refused a request or answered with an error: its HTTP status and the server's
/// `error` sentence (400 names the parameter, 401 the key, 404 the model or request, ...).
public struct RequestRefused: Error, Sendable, CustomStringConvertible {
    public var status: Int
    public var message: String
    /// Seconds the server asked to wait before retrying (429, 503), from `Retry-After`.
    public var retryAfter: Double?

    public init(status: Int, message: String, retryAfter: Double? = nil) {
        self.status = status
        self.message = message
        self.retryAfter = retryAfter
    }

    public var description: String { "HTTP \(status): \(message)" }
}

/// The job ran and ended `FAILED`: the server's reason and the whole status body.
public struct InferenceFailed: Error, Sendable, CustomStringConvertible {
    public var requestID: String
    public var detail: String
    public var body: JSON

    public init(requestID: String, detail: String, body: JSON) {
        self.requestID = requestID
        self.detail = detail
        self.body = body
    }

    public var description: String { "request \(requestID) failed: \(detail)" }
}

/// The job did not finish within the time the caller waited. It may still finish: wait on the
/// same request id again later (`client.job(id:)`).
public struct InferenceTimeout: Error, Sendable, CustomStringConvertible {
    public var requestID: String
    public var elapsed: Duration

    public init(requestID: String, elapsed: Duration) {
        self.requestID = requestID
        self.elapsed = elapsed
    }

    public var description: String { "request \(requestID) did not finish within \(elapsed)" }
}
