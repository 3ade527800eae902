import Hummingbird

/// Gives every answer the `BrowserHeaders` (and HTML answers their Content-Security-Policy).
struct BrowserHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response = try await next(request, context)
        response.headers = BrowserHeaders.adding(to: response.headers)
        return response
    }
}
