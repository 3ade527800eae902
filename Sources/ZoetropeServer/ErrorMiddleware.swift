import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ZoetropeCore

/// Turns every error, including unknown routes and oversized bodies, into `{"error": "..."}`
/// with the right status code (an `HTTPResponseError` says its own). Unexpected errors are
/// logged and answered 500 without details.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as NIOTooManyBytesError {
            // A handler's own cap on the body it collects (below the route's, or a body that
            // grew past it): 413 and the connection closed, never a 500.
            guard let maxBytes = error.maxBytes else {
                return JSONResponse.error(APIError(status: 413, message: "request body is too large", headers: ["Connection": "close"]))
            }
            return JSONResponse.error(.contentTooLarge(declared: nil, maxBytes: maxBytes))
        } catch let error as HTTPParserError {
            // The body could not be read: the client left in the middle of it (or was timed out)
            // or sent it malformed. Not the server's fault, and seldom anyone left to read this.
            context.logger.debug("request body not read: \(error.debugDescription)")
            return JSONResponse.error(APIError(
                status: 400, message: "the request body could not be read: \(error.debugDescription)",
                headers: ["Connection": "close"]))
        } catch let error as HTTPError {
            let message: String
            switch error.status {
            case .notFound: message = error.body ?? "endpoint \(request.method) \(request.uri.path) not found"
            case .contentTooLarge: message = error.body ?? "request body is too large"
            case .methodNotAllowed: message = "method \(request.method) is not allowed on \(request.uri.path)"
            default: message = error.body ?? error.status.reasonPhrase
            }
            return JSONResponse.error(APIError(status: error.status, message: message))
        } catch let error as any HTTPResponseError {
            // The gateway's own `APIError`s and the domain's refusals, each with its status.
            return try error.response(from: request, context: context)
        } catch where DiskFull.isDiskFull(error) {
            context.logger.error("disk full: \(String(reflecting: error))")
            return try StoreUnavailable(part: "storage", reason: DiskFull.message).response(from: request, context: context)
        } catch {
            context.logger.error("unhandled error: \(String(reflecting: error))")
            return JSONResponse.error(.internalError("internal server error"))
        }
    }
}
