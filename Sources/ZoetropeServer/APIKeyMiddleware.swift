import Foundation
import HTTPTypes
import Hummingbird
import ZoetropeCore
import ZoetropeStore

/// Requires a valid, unrevoked API key in `x-api-key` (or `Authorization: Bearer`); 401 otherwise.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = ZoetropeRequestContext
    let keys: any APIKeyStore

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
        var context = context
        context.apiKey = key
        return try await next(request, context)
    }
}
