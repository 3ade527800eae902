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
    let verifiedKeys: VerifiedKeys
    let rateLimits: KeyRateLimits

    init(keys: any APIKeyStore, rateLimits: KeyRateLimits) {
        self.keys = keys
        self.verifiedKeys = VerifiedKeys(store: keys)
        self.rateLimits = rateLimits
    }

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
        guard let secret = presented.map(Self.trimmed), !secret.isEmpty else {
            throw APIError.unauthorized("missing API key: send it in the x-api-key header")
        }
        guard var key = try await verifiedKeys.key(secret: secret) else {
            throw APIError.unauthorized("invalid API key")
        }
        // A metered key's balance as it stands (the cached one may be a second old).
        if key.credits != nil {
            guard let current = try await keys.key(id: key.id), current.revokedAt == nil else {
                throw APIError.unauthorized("invalid API key")
            }
            key = current
        }
        try Self.checkAccess(key, method: request.method, path: request.uri.path)
        let decision = try await rateLimits.take(key.id)
        guard decision.allowed else {
            throw APIError(
                status: 429,
                message: "rate limited: this key may make \(decision.limit) requests a minute; retry after \(decision.retryAfter) s",
                headers: [
                    "X-RateLimit-Limit": String(decision.limit), "X-RateLimit-Remaining": String(decision.remaining),
                    "X-RateLimit-Reset": String(decision.reset), "Retry-After": String(decision.retryAfter),
                ])
        }
        var context = context
        context.apiKey = key
        var response = try await next(request, context)
        response.headers[Self.limitHeader] = String(decision.limit)
        response.headers[Self.remainingHeader] = String(decision.remaining)
        response.headers[Self.resetHeader] = String(decision.reset)
        // A GET changes no balance; anything else (a submit) may have.
        if key.credits != nil, let balance = request.method == .get ? key.credits : try await keys.key(id: key.id)?.credits {
            response.headers[Self.remainingCreditsHeader] = balance.description
        }
        return response
    }

    /// `text` without leading and trailing spaces and tabs.
    static func trimmed(_ text: String) -> String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = text.firstIndex(where: { !blank($0) }), let last = text.lastIndex(where: { !blank($0) })
        else { return "" }
        return String(text[first...last])
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
