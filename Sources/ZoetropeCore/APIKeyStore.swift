import Foundation

/// A client credential. Only the SHA-256 hash of the secret is ever stored. A key may be an
/// admin key, may be limited to some models and to submitting or reading, and may have a credit
/// balance (nil: not metered).
public struct APIKey: Sendable, Equatable {
    /// What a key may do.
    public enum Role: String, Sendable, Codable, CaseIterable {
        /// Everything a user key may, plus managing keys over the admin API.
        case admin
        case user
        /// A worker token: only the worker protocol (`/v1/worker/…`).
        case worker
    }

    /// Which requests a key may make.
    public enum Access: String, Sendable, Codable, CaseIterable {
        case full
        /// Only submits (`POST /v1/{model}`, `POST /v2/{model}`).
        case submitOnly = "submit-only"
        /// Only reads (every `GET`).
        case readOnly = "read-only"
    }

    public var id: String
    public var name: String
    public var keyHash: String
    public var createdAt: Date
    public var revokedAt: Date?
    public var role: Role
    public var access: Access
    /// The models the key may use; nil for all.
    public var models: [String]?
    /// The balance; nil when the key is not metered.
    public var credits: Credits?
    /// Where results are POSTed when a submit names no webhook.
    public var webhookURL: String?

    public init(
        id: String, name: String, keyHash: String, createdAt: Date, revokedAt: Date? = nil, role: Role = .user,
        access: Access = .full, models: [String]? = nil, credits: Credits? = nil, webhookURL: String? = nil
    ) {
        self.id = id
        self.name = name
        self.keyHash = keyHash
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.role = role
        self.access = access
        self.models = models
        self.credits = credits
        self.webhookURL = webhookURL
    }

    /// Whether the key may use `model`.
    public func mayUse(model: String) -> Bool { models.map { $0.contains(model) } ?? true }
}

/// Durable storage of API keys.
public protocol APIKeyStore: Sendable {
    func insertKey(_ key: APIKey) async throws
    func key(hash: String) async throws -> APIKey?
    func key(id: String) async throws -> APIKey?
    func keys() async throws -> [APIKey]
    /// Returns false when no such key exists.
    func revokeKey(id: String, now: Date) async throws -> Bool
    /// Adds `amount` (which may be negative) to a metered key's balance, or sets the balance
    /// (nil: no longer metered) when `set` is true; returns the key, nil when there is none.
    func changeCredits(id: String, amount: Credits?, set: Bool) async throws -> APIKey?
    /// Where `revokeKey` and `changeCredits` are told, so caches of verified keys forget the key.
    var keyChanges: KeyChanges { get }
}
