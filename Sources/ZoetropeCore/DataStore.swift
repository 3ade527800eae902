import Foundation

/// Everything the gateway keeps durably, in one database: jobs, keys, voices, webhook
/// deliveries and the content policy's lists. SQLite for one machine, PostgreSQL for several gateways.
public protocol DataStore: JobStore, APIKeyStore, VoiceStore, WebhookStore, PolicyStore {
    /// Throws when the database cannot be reached (for `/readyz`).
    func checkReachable() async throws
    /// Closes connections. Call before releasing the store.
    func close() async throws
}

/// How many jobs of one model are in one state (for `/metrics`).
public struct JobCount: Sendable, Equatable {
    public var model: String
    public var status: JobStatus
    public var count: Int

    public init(model: String, status: JobStatus, count: Int) {
        self.model = model
        self.status = status
        self.count = count
    }
}
