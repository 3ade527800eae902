import Foundation

/// A client credential. Only the SHA-256 hash of the secret is ever stored.
public struct APIKey: Sendable, Equatable {
    public var id: String
    public var name: String
    public var keyHash: String
    public var createdAt: Date
    public var revokedAt: Date?

    public init(id: String, name: String, keyHash: String, createdAt: Date, revokedAt: Date? = nil) {
        self.id = id
        self.name = name
        self.keyHash = keyHash
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// Durable storage of API keys.
public protocol APIKeyStore: Sendable {
    func insertKey(_ key: APIKey) async throws
    func key(hash: String) async throws -> APIKey?
    func keys() async throws -> [APIKey]
    /// Returns false when no such key exists.
    func revokeKey(id: String, now: Date) async throws -> Bool
}
