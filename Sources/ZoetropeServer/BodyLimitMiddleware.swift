import HTTPTypes
import Hummingbird
import ZoetropeCore

/// Refuses a request body the route will not take before any of it is read: a declared
/// `Content-Length` over the route's cap is 413 at once, a chunked body is counted as it is read
/// and refused with 413 at the cap. A route that reads its body into memory first reserves it
/// from the process's `BodyMemoryBudget` (503 with `Retry-After` when others' bodies hold it),
/// until the request has been answered. Both refusals close the connection.
struct BodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    /// What a route does with a body: the most bytes it takes, and whether it holds them in memory.
    struct Rule: Equatable, Sendable {
        var maxBytes: Int
        var inMemory: Bool
    }

    /// The JSON bodies' cap (submits; every route not named in `rule(for:)`).
    let maxBodyBytes: Int
    /// The cap of a worker's video upload, which streams to disk.
    let maxUploadBytes: Int
    let budget: BodyMemoryBudget

    func rule(method: HTTPRequest.Method, path: String) -> Rule {
        if method == .put, path.hasPrefix("/files/") { return Rule(maxBytes: maxUploadBytes, inMemory: false) }
        if path.hasPrefix("/v1/worker/") { return Rule(maxBytes: WorkerController.maxBodyBytes, inMemory: true) }
        if path.hasPrefix("/v1/admin/") { return Rule(maxBytes: AdminController.maxBodyBytes, inMemory: true) }
        return Rule(maxBytes: maxBodyBytes, inMemory: true)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let rule = rule(method: request.method, path: request.uri.path)
        var request = request
        let reservation = rule.inMemory ? budget.reservation() : nil
        defer { reservation?.release() }
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }) {
            guard declared <= rule.maxBytes else {
                throw APIError.contentTooLarge(declared: declared, maxBytes: rule.maxBytes)
            }
            try reservation?.grow(by: declared)
        } else if request.headers[.transferEncoding] != nil {
            request.body = RequestBody(
                asyncSequence: LimitedRequestBody(base: request.body, maxBytes: rule.maxBytes, reservation: reservation))
        }
        return try await next(request, context)
    }
}
