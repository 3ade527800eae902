import Crypto
import Foundation
import ZoetropeCore

/// Makes API key secrets and the hashes stored in their place.
public enum APIKeyGenerator {
    /// A new secret: `zk_` followed by 64 hex digits (256 random bits).
    public static func makeSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "zk_" + Hex.string(bytes)
    }

    /// SHA-256 of the secret, hex-encoded.
    public static func hash(_ secret: String) -> String {
        Hex.string(SHA256.hash(data: Data(secret.utf8)))
    }

    /// Creates and stores a key named `name`; returns the record and the secret (shown once).
    public static func create(
        name: String, in store: any APIKeyStore, options: KeyOptions = KeyOptions(), now: Date = Date()
    ) async throws -> (APIKey, String) {
        let secret = makeSecret()
        let key = APIKey(
            id: "key_" + String(UUID().uuidString.lowercased().prefix(8)), name: name, keyHash: hash(secret),
            createdAt: now, role: options.role, access: options.access, models: options.models, credits: options.credits,
            webhookURL: options.webhookURL)
        try await store.insertKey(key)
        return (key, secret)
    }
}

/// What a new key may do: its role, access, models and starting balance (nil: not metered).
public struct KeyOptions: Sendable {
    public var role: APIKey.Role = .user
    public var access: APIKey.Access = .full
    public var models: [String]?
    public var credits: Credits?
    public var webhookURL: String?

    public init(
        role: APIKey.Role = .user, access: APIKey.Access = .full, models: [String]? = nil, credits: Credits? = nil,
        webhookURL: String? = nil
    ) {
        self.role = role
        self.access = access
        self.models = models
        self.credits = credits
        self.webhookURL = webhookURL
    }
}
