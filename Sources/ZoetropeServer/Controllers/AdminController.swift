import Foundation
import Hummingbird
import ZoetropeCore
import ZoetropeStore

/// Key management over HTTP for admin keys (the `zoetrope keys` commands' twin): list, create,
/// revoke, and change a key's credits. `APIKeyMiddleware` refuses non-admin keys with 403.
struct AdminController {
    let keys: any APIKeyStore
    /// The slugs a key may be limited to.
    let models: [String]
    /// The largest body an admin call may send, in bytes.
    static let maxBodyBytes = 1 << 20

    func addRoutes(to group: RouterGroup<ZoetropeRequestContext>) {
        group.get("/v1/admin/keys") { _, _ in
            try JSONResponse.make(encoding: APIKeyAnswer.List(keys: try await keys.keys().map { APIKeyAnswer($0) }))
        }
        group.post("/v1/admin/keys") { request, context in try await create(request, context: context) }
        group.post("/v1/admin/keys/{id}/revoke") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard try await keys.revokeKey(id: id, now: Date()), let key = try await keys.key(id: id) else {
                throw APIError.notFound("no key with id '\(id)'")
            }
            return try JSONResponse.make(encoding: APIKeyAnswer(key))
        }
        group.post("/v1/admin/keys/{id}/credits") { request, context in try await changeCredits(request, context: context) }
    }

    /// `{name, role?, access?, models?, credits?, webhook?}` → the key and its secret (shown once).
    private func create(_ request: Request, context: ZoetropeRequestContext) async throws -> Response {
        let values = try AdminParameters.createKey(models: models).validate(.object(try await Self.body(request)))
        var options = KeyOptions()
        options.role = values["role"]?.stringValue.flatMap(APIKey.Role.init(rawValue:)) ?? .user
        options.access = values["access"]?.stringValue.flatMap(APIKey.Access.init(rawValue:)) ?? .full
        options.models = values["models"]?.arrayValue?.compactMap(\.stringValue)
        options.credits = values["credits"]?.stringValue.flatMap(Credits.init)
        options.webhookURL = values["webhook"]?.stringValue
        let (key, secret) = try await APIKeyGenerator.create(name: values["name"]?.stringValue ?? "", in: keys, options: options)
        return try JSONResponse.make(encoding: APIKeyAnswer(key, secret: secret))
    }

    /// `{"add": "5"}` adds (negative takes away); `{"set": "5"}` sets; `{"set": null}` stops metering.
    /// Exactly one of the two.
    private func changeCredits(_ request: Request, context: ZoetropeRequestContext) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        let body = try await Self.body(request)
        let unknown = body.keys.filter { $0 != "add" && $0 != "set" }.sorted()
        guard unknown.isEmpty else { throw APIError.badRequest("unknown parameters: \(NameList.brief(unknown))") }
        let changed: APIKey?
        switch (body["add"], body["set"]) {
        case (let add?, nil):
            changed = try await keys.changeCredits(id: id, amount: try Self.credits(add, field: "add"), set: false)
        case (nil, let set?):
            changed = try await keys.changeCredits(id: id, amount: set == .null ? nil : try Self.credits(set, field: "set"), set: true)
        default:
            throw APIError.badRequest("give exactly one of {\"add\": amount} or {\"set\": amount or null}")
        }
        guard let changed else { throw APIError.notFound("no key with id '\(id)'") }
        return try JSONResponse.make(encoding: APIKeyAnswer(changed))
    }

    /// The admin key API's credit change body, as the OpenAPI document states it.
    static let creditsChangeSchema: JSONValue = [
        "oneOf": [
            ["type": "object", "additionalProperties": false, "required": ["add"],
             "properties": ["add": ParameterType.credits.jsonSchema(nullable: false)]],
            ["type": "object", "additionalProperties": false, "required": ["set"],
             "properties": ["set": ParameterType.credits.jsonSchema(nullable: true)]],
        ],
    ]

    static func body(_ request: Request) async throws -> [String: JSONValue] {
        try JSONContentType.check(request.headers[.contentType])
        var request = request
        let buffer = try await request.collectBody(upTo: maxBodyBytes)
        guard case .object(let fields) = try JSONValue.parse(Data(buffer.readableBytesView)) else {
            throw APIError.badRequest("request body must be a JSON object")
        }
        return fields
    }

    /// An amount of credits, by the registry's rule for `.credits`.
    static func credits(_ value: JSONValue, field: String) throws -> Credits {
        guard let credits = try ParameterType.credits.validate(value, field: field).stringValue.flatMap(Credits.init) else {
            throw APIError.badRequest("\(field) must be a decimal number of credits")
        }
        return credits
    }
}
