import HTTPTypes
import Hummingbird
import ZoetropeCore

/// Answers 405 with an `Allow` header (and the usual `{"error"}`) when a request's path is one
/// the API documents but its method is not one of that path's; unknown paths stay 404. The
/// paths and methods are the OpenAPI document's, so the two cannot disagree.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Documented path templates split into segments (`{id}` matches any one segment), with their methods.
    let templates: [(segments: [Substring], methods: Set<HTTPRequest.Method>)]

    init(methods: [String: Set<HTTPRequest.Method>]) {
        templates = methods.map { path, methods in (path.split(separator: "/", omittingEmptySubsequences: false), methods) }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let segments = request.uri.path.split(separator: "/", omittingEmptySubsequences: false)
        var allowed: Set<HTTPRequest.Method> = []
        for template in templates where Self.matches(template.segments, segments) { allowed.formUnion(template.methods) }
        guard allowed.isEmpty || allowed.contains(request.method) else {
            let names = allowed.map(\.rawValue).sorted().joined(separator: ", ")
            return JSONResponse.error(APIError(
                status: 405, message: "method \(request.method) is not allowed on \(request.uri.path); allowed: \(names)",
                headers: ["Allow": names]))
        }
        return try await next(request, context)
    }

    static func matches(_ template: [Substring], _ path: [Substring]) -> Bool {
        guard template.count == path.count else { return false }
        return zip(template, path).allSatisfy { pattern, segment in
            pattern.hasPrefix("{") && pattern.hasSuffix("}") ? !segment.isEmpty : pattern == segment
        }
    }
}
