/// The bodies of the admin key API, declared like models' parameters so validation and the
/// OpenAPI document read one declaration.
public enum AdminParameters {
    /// `POST /v1/admin/keys`.
    public static func createKey(models: [String]) -> ParameterSet {
        ParameterSet([
            Parameter("name", .text(length: 1...200), required: true),
            Parameter("role", .choice(APIKey.Role.allCases.map(\.rawValue)), default: .string(APIKey.Role.user.rawValue)),
            Parameter("access", .choice(APIKey.Access.allCases.map(\.rawValue)), default: .string(APIKey.Access.full.rawValue)),
            Parameter("models", .list(of: .choice(models), maxItems: 100, noun: "models"),
                      description: "The models the key may use; all when absent."),
            Parameter("credits", .credits, description: "A metered balance; unmetered when absent."),
            Parameter("webhook", .webURL, description: "The key's default webhook."),
        ])
    }
}
