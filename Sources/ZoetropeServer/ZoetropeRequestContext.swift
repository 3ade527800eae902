import Hummingbird
import ZoetropeCore

/// The per-request context: Hummingbird's core storage plus the authenticated API key.
public struct ZoetropeRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `APIKeyMiddleware` on authenticated routes.
    public var apiKey: APIKey?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.apiKey = nil
    }
}

/// The one authentication path of the handlers: `APIKeyMiddleware` authenticates the key and
/// checks its role and access for the route; a handler asks the context for the key, for the key
/// with a model in its scope, or for a job the key owns.
extension ZoetropeRequestContext {
    /// The authenticated key; 401 when there is none (routes behind `APIKeyMiddleware` always have one).
    func requireAPIKey() throws -> APIKey {
        guard let apiKey else { throw APIError.unauthorized("missing API key") }
        return apiKey
    }

    /// The authenticated key, when it may use `model`; 403 naming the models it may use otherwise.
    func requireAPIKey(mayUse model: String) throws -> APIKey {
        let apiKey = try requireAPIKey()
        guard apiKey.mayUse(model: model) else {
            throw APIError.forbidden(
                "this API key may not use model '\(model)'; it may use: \((apiKey.models ?? []).joined(separator: ", "))")
        }
        return apiKey
    }

    /// The job the path's `{id}` names, when it belongs to the caller's key; 404 otherwise (a
    /// request of another key is not told apart from an unknown one).
    func requireOwnJob(in store: any JobStore) async throws -> Job {
        let apiKey = try requireAPIKey()
        let id = parameters.get("id") ?? ""
        guard let job = try await store.job(id: id), job.apiKeyID == apiKey.id else { throw Self.notFound(id) }
        return job
    }

    /// The state of the `{id}` job, which must be the caller's (404 as for an unknown one otherwise).
    func requireOwnSnapshot(in store: any JobStore) async throws -> JobSnapshot {
        let apiKey = try requireAPIKey()
        let id = parameters.get("id") ?? ""
        guard let job = try await store.snapshot(id: id), job.apiKeyID == apiKey.id else { throw Self.notFound(id) }
        return job
    }

    private static func notFound(_ id: String) -> APIError {
        APIError.notFound("request '\(id)' not found (unknown, expired, or not yours)")
    }
}
