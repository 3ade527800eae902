import ZoetropeCore

/// A key as the admin API shows it (never its hash; its secret only in the answer that created it).
struct APIKeyAnswer: Codable, Equatable {
    var id: String
    var name: String
    var role: APIKey.Role
    var access: APIKey.Access
    /// The models the key may use; null for all.
    var models: [String]?
    /// The balance; null when the key is not metered.
    var credits: Double?
    /// The key's default webhook; null when none.
    var webhook: String?
    var createdAt: String
    var revokedAt: String?
    /// Only when the key was just created: shown once.
    var secret: String?

    init(_ key: APIKey, secret: String? = nil) {
        id = key.id
        name = key.name
        role = key.role
        access = key.access
        models = key.models
        credits = key.credits?.number
        webhook = key.webhookURL
        createdAt = key.createdAt.iso8601
        revokedAt = key.revokedAt?.iso8601
        self.secret = secret
    }

    enum CodingKeys: String, CodingKey {
        case id, name, role, access, models, credits, webhook, createdAt = "created_at", revokedAt = "revoked_at", secret
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(role, forKey: .role)
        try container.encode(access, forKey: .access)
        try container.encode(models, forKey: .models)  // null for all
        try container.encode(credits, forKey: .credits)  // null when not metered
        try container.encode(webhook, forKey: .webhook)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(revokedAt, forKey: .revokedAt)
        try container.encodeIfPresent(secret, forKey: .secret)
    }

    /// The answer to `GET /v1/admin/keys`.
    struct List: Codable, Equatable {
        var keys: [APIKeyAnswer]
    }
}
