import ZoetropeCore

/// The refusals of a request body the server will not read. Both close the connection once
/// answered (`Connection: close`): the body that was not read cannot be skipped cheaply.
extension APIError {
    /// 413: a body over the route's cap; `declared` is its `Content-Length`, nil for a chunked body.
    static func contentTooLarge(declared: Int?, maxBytes: Int) -> APIError {
        let size = declared.map { "\($0) bytes" } ?? "more than \(maxBytes) bytes"
        return APIError(
            status: 413, message: "request body is \(size); at most \(maxBytes) bytes are accepted",
            headers: ["Connection": "close"])
    }

    /// 503: the body-memory budget is spent by other requests' bodies.
    static func bodyMemoryExhausted(capacity: Int) -> APIError {
        APIError(
            status: 503,
            message: "the server is holding as many request bodies as it may (\(capacity) bytes); try again shortly",
            headers: ["Retry-After": "2", "Connection": "close"])
    }
}
