import Foundation
import Hummingbird
import ZoetropeCore
import ZoetropeStore

/// Key management over HTTP for admin keys (the `zoetrope keys` commands' twin): list, create,
/// revoke, and change a key's credits. `APIKeyMiddleware` refuses non-admin keys with 403.
struct AdminController {
    let keys: any APIKeyStore

    func addRoutes(to group: RouterGroup<ZoetropeRequestContext>) {
        group.get("/v1/admin/keys") { _, _ in
            JSONResponse.make(["keys": .array(try await keys.keys().map(Self.json))])
        }
        group.post("/v1/admin/keys") { request, context in try await create(request, context: context) }
        group.post("/v1/admin/keys/{id}/revoke") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard try await keys.revokeKey(id: id, now: Date()), let key = try await keys.key(id: id) else {
                throw APIError.notFound("no key with id '\(id)'")
            }
            return JSONResponse.make(Self.json(key))
        }
        group.post("/v1/admin/keys/{id}/credits") { request, context in try await changeCredits(request, context: context) }
    }

    /// The key as the admin API shows it (never its secret or hash).
    static func json(_ key: APIKey) -> JSONValue {
        [
            "id": .string(key.id), "name": .string(key.name), "role": .string(key.role.rawValue),
            "access": .string(key.access.rawValue),
            "models": key.models.map { .array($0.map { .string($0) }) } ?? .null,
            "credits": key.credits?.json ?? .null,
            "webhook": key.webhookURL.map { .string($0) } ?? .null,
            "created_at": .string(key.createdAt.iso8601),
            "revoked_at": key.revokedAt.map { .string($0.iso8601) } ?? .null,
        ]
    }

    /// `{name, role?, access?, models?, credits?, webhook?}` → the key and its secret (shown once).
    private func create(_ request: Request, context: ZoetropeRequestContext) async throws -> Response {
        let body = try await Self.body(request)
        guard case .string(let name)? = body["name"], !name.isEmpty else { throw APIError.badRequest("name is required") }
        var options = KeyOptions()
        if let value = body["role"], value != .null {
            guard case .string(let text) = value, let role = APIKey.Role(rawValue: text) else {
                throw APIError.badRequest("role must be \"admin\", \"user\" or \"worker\"")
            }
            options.role = role
        }
        if let value = body["access"], value != .null {
            guard case .string(let text) = value, let access = APIKey.Access(rawValue: text) else {
                throw APIError.badRequest("access must be \"full\", \"submit-only\" or \"read-only\"")
            }
            options.access = access
        }
        if let value = body["models"], value != .null {
            guard case .array(let items) = value else { throw APIError.badRequest("models must be an array of model slugs") }
            options.models = try items.map {
                guard case .string(let slug) = $0 else { throw APIError.badRequest("models must be an array of model slugs") }
                return slug
            }
        }
        if let value = body["credits"], value != .null { options.credits = try Self.credits(value, field: "credits") }
        if let value = body["webhook"], value != .null {
            guard case .string(let text) = value, let url = URL(string: text), ["http", "https"].contains(url.scheme ?? "") else {
                throw APIError.badRequest("webhook must be an http(s) URL")
            }
            options.webhookURL = text
        }
        let (key, secret) = try await APIKeyGenerator.create(name: name, in: keys, options: options)
        guard case .object(var fields) = Self.json(key) else { throw APIError.internalError("could not describe the key") }
        fields["secret"] = .string(secret)
        return JSONResponse.make(.object(fields))
    }

    /// `{"add": "5"}` adds (negative takes away); `{"set": "5"}` sets; `{"set": null}` stops metering.
    private func changeCredits(_ request: Request, context: ZoetropeRequestContext) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        let body = try await Self.body(request)
        let changed: APIKey?
        if let add = body["add"] {
            changed = try await keys.changeCredits(id: id, amount: try Self.credits(add, field: "add"), set: false)
        } else if let set = body["set"] {
            changed = try await keys.changeCredits(id: id, amount: set == .null ? nil : try Self.credits(set, field: "set"), set: true)
        } else {
            throw APIError.badRequest("give {\"add\": amount} or {\"set\": amount or null}")
        }
        guard let changed else { throw APIError.notFound("no key with id '\(id)'") }
        return JSONResponse.make(Self.json(changed))
    }

    static func body(_ request: Request) async throws -> [String: JSONValue] {
        var request = request
        let buffer = try await request.collectBody(upTo: 1 << 20)
        guard case .object(let fields) = try JSONValue.parse(Data(buffer.readableBytesView)) else {
            throw APIError.badRequest("request body must be a JSON object")
        }
        return fields
    }

    /// A decimal amount given as a string ("12.5") or a number.
    static func credits(_ value: JSONValue, field: String) throws -> Credits {
        let text: String
        switch value {
        case .string(let string): text = string
        case .number(let number): text = String(number)
        default: throw APIError.badRequest("\(field) must be a decimal number of credits, such as \"12.5\"")
        }
        guard let credits = Credits(text) else {
            throw APIError.badRequest("\(field) must be a decimal number of credits with at most 6 decimals, got \(text)")
        }
        return credits
    }
}
