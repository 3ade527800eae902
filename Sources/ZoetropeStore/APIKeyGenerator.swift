import Crypto
import Foundation
import ZoetropeCore

/// Makes API key secrets and the hashes stored in their place.
public enum APIKeyGenerator {
    /// A new secret: `zk_` followed by 64 hex digits (256 random bits).
    public static func makeSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "zk_" + bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// SHA-256 of the secret, hex-encoded.
    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Creates and stores a key named `name`; returns the record and the secret (shown once).
    public static func create(name: String, in store: any APIKeyStore, now: Date = Date()) async throws -> (APIKey, String) {
        let secret = makeSecret()
        let key = APIKey(
            id: "key_" + String(UUID().uuidString.lowercased().prefix(8)), name: name, keyHash: hash(secret),
            createdAt: now)
        try await store.insertKey(key)
        return (key, secret)
    }
}
