import Foundation
import HTTPTypes
import Hummingbird
import ZoetropeCore
import ZoetropeStore

/// Requires a valid, unrevoked API key in `x-api-key` (or `Authorization: Bearer`), 401
/// otherwise; refuses with 403 what the key's access does not allow; takes a token from the
/// key's rate-limit bucket (429 with `Retry-After` when empty; an unreachable store's error goes
/// on, never letting the request through unlimited); and adds `X-RateLimit-*` and, for
/// a metered key, `x-remaining-credits` to the answer.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = ZoetropeRequestContext
    let keys: any APIKeyStore
    let rateLimits: KeyRateLimits

    static let remainingCreditsHeader = HTTPField.Name("x-remaining-credits")!
    static let limitHeader = HTTPField.Name("X-RateLimit-Limit")!
    static let remainingHeader = HTTPField.Name("X-RateLimit-Remaining")!
    static let resetHeader = HTTPField.Name("X-RateLimit-Reset")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var presented = request.headers[HTTPField.Name("x-api-key")!]
        if presented == nil, let authorization = request.headers[.authorization],
            authorization.lowercased().hasPrefix("bearer ")
        {
            presented = String(authorization.dropFirst("bearer ".count))
        }
        guard let secret = presented?.trimmingCharacters(in: .whitespaces), !secret.isEmpty else {
            throw APIError.unauthorized("missing API key: send it in the x-api-key header")
        }
        guard let key = try await keys.key(hash: APIKeyGenerator.hash(secret)), key.revokedAt == nil else {
            throw APIError.unauthorized("invalid API key")
        }
        try Self.checkAccess(key, method: request.method, path: request.uri.path)
        let decision = try await rateLimits.take(key.id)
        var limitHeaders: [String: String] = [
            "X-RateLimit-Limit": String(decision.limit), "X-RateLimit-Remaining": String(decision.remaining),
            "X-RateLimit-Reset": String(decision.reset),
        ]
        guard decision.allowed else {
            limitHeaders["Retry-After"] = String(decision.retryAfter)
            throw APIError(
                status: 429,
                message: "rate limited: this key may make \(decision.limit) requests a minute; retry after \(decision.retryAfter) s",
                headers: limitHeaders)
        }
        var context = context
        context.apiKey = key
        var response = try await next(request, context)
        for (name, value) in limitHeaders { response.headers[HTTPField.Name(name)!] = value }
        if key.credits != nil, let balance = try await keys.key(id: key.id)?.credits {
            response.headers[Self.remainingCreditsHeader] = balance.description
        }
        return response
    }

    /// 403 for what a submit-only or read-only key may not do, and for admin routes without an admin key.
    static func checkAccess(_ key: APIKey, method: HTTPRequest.Method, path: String) throws {
        let workerRoute = path.hasPrefix("/v1/worker/")
        if key.role == .worker && !workerRoute {
            throw APIError.forbidden("a worker token may only use the worker protocol (/v1/worker/…)")
        }
        if workerRoute && key.role != .worker {
            throw APIError.forbidden("the worker protocol needs a worker token (zoetrope keys create --worker)")
        }
        if path.hasPrefix("/v1/admin") && key.role != .admin {
            throw APIError.forbidden("this API key is not an admin key")
        }
        switch key.access {
        case .full:
            break
        case .readOnly where method != .get:
            throw APIError.forbidden("this API key is read-only; it may not \(method.rawValue) \(path)")
        case .submitOnly where method != .post || path.contains("/requests/") || path.contains("/voices") || path.hasPrefix("/v1/admin"):
            throw APIError.forbidden("this API key may only submit (POST /v1/{model} or /v2/{model}); not \(method.rawValue) \(path)")
        default:
            break
        }
    }
}
