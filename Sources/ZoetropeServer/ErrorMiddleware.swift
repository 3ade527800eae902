import Hummingbird
import Logging
import ZoetropeCore

/// Turns every error, including unknown routes and oversized bodies, into `{"error": "..."}`
/// with the right status code. Unexpected errors are logged and answered 500 without details.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return JSONResponse.error(error)
        } catch let error as HTTPError {
            let message: String
            switch error.status {
            case .notFound: message = error.body ?? "endpoint \(request.method) \(request.uri.path) not found"
            case .contentTooLarge: message = "request body is too large"
            case .methodNotAllowed: message = "method \(request.method) is not allowed on \(request.uri.path)"
            default: message = error.body ?? error.status.reasonPhrase
            }
            return JSONResponse.error(APIError(status: error.status.code, message: message))
        } catch {
            context.logger.error("unhandled error: \(String(reflecting: error))")
            return JSONResponse.error(.internalError("internal server error"))
        }
    }
}
