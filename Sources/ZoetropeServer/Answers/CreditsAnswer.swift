import ZoetropeCore

/// The answer to `GET /v1/get-user-credits`: the key's balance, null when the key is not metered.
struct CreditsAnswer: Codable, Equatable {
    var credits: Double?
    var metered: Bool

    init(balance: Credits?) {
        credits = balance?.number
        metered = balance != nil
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(credits, forKey: .credits)  // null when not metered
        try container.encode(metered, forKey: .metered)
    }
}
