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
