/// An error a client sees: an HTTP status and one human sentence, served as `{"error": "..."}`.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var message: String
    /// Extra response headers (for example `Retry-After`).
    public var headers: [String: String]

    public init(status: Int, message: String, headers: [String: String] = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status): \(message)" }

    public static func badRequest(_ message: String) -> APIError { APIError(status: 400, message: message) }
    public static func unauthorized(_ message: String) -> APIError { APIError(status: 401, message: message) }
    public static func forbidden(_ message: String) -> APIError { APIError(status: 403, message: message) }
    public static func notFound(_ message: String) -> APIError { APIError(status: 404, message: message) }
    public static func notAcceptable(_ message: String) -> APIError { APIError(status: 406, message: message) }
    public static func unsupportedMediaType(_ message: String) -> APIError { APIError(status: 415, message: message) }
    public static func internalError(_ message: String) -> APIError { APIError(status: 500, message: message) }
}

/// A key's balance is short of a request's price: a 406 that says both.
public struct InsufficientCredits: Error, Sendable {
    public var needed: Credits
    public var available: Credits

    public init(needed: Credits, available: Credits) {
        self.needed = needed
        self.available = available
    }

    public var apiError: APIError {
        APIError(status: 406, message: "insufficient credits: need \(needed), have \(available)")
    }
}

/// A configuration value that cannot work, with a message that says which and why.
public struct ConfigurationError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
