import Foundation
import ZoetropeCore

/// Checks JSON bodies against the OpenAPI document's schemas, with as much of JSON Schema as the
/// document uses: `$ref`, `type` (one or a list), `enum`, `const`, `required`, `properties`,
/// `additionalProperties: false`, `items`, `oneOf`, `anyOf` and `allOf`. Formats and ranges are
/// left to the schemathesis run.
struct SchemaChecker {
    let document: JSONValue

    /// The schema a documented response's JSON body follows; nil when the operation does not
    /// document that status (or it has no JSON body).
    func responseSchema(path: String, method: String, status: Int) -> JSONValue? {
        guard var response = document["paths"]?[path]?[method.lowercased()]?["responses"]?[String(status)] else { return nil }
        response = resolve(response)
        return response["content"]?["application/json"]?["schema"]
    }

    /// The statuses an operation documents.
    func documentedStatuses(path: String, method: String) -> Set<Int> {
        guard case .object(let responses)? = document["paths"]?[path]?[method.lowercased()]?["responses"] else { return [] }
        return Set(responses.keys.compactMap(Int.init))
    }

    /// What in `value` breaks `schema`, each with its JSON path; empty when it conforms.
    func problems(_ value: JSONValue, against schema: JSONValue, at path: String = "$") -> [String] {
        let schema = resolve(schema)
        var found: [String] = []
        if let all = schema["allOf"]?.arrayValue {
            for part in all { found += problems(value, against: part, at: path) }
        }
        for keyword in ["oneOf", "anyOf"] {
            if let options = schema[keyword]?.arrayValue, !options.contains(where: { problems(value, against: $0, at: path).isEmpty }) {
                found.append("\(path): matches none of its \(keyword) options")
            }
        }
        if let types = schema["type"].map({ $0.arrayValue ?? [$0] })?.compactMap(\.stringValue),
            !types.contains(where: { Self.value(value, is: $0) })
        {
            return found + ["\(path): expected \(types.joined(separator: " or ")), got \(value.typeName)"]
        }
        if let allowed = schema["enum"]?.arrayValue, !allowed.contains(value) {
            found.append("\(path): \(value) is not one of the enum's values")
        }
        if let constant = schema["const"], constant != value {
            found.append("\(path): \(value) is not the const \(constant)")
        }
        if case .object(let fields) = value {
            for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where fields[name] == nil {
                found.append("\(path): \(name) is required")
            }
            var properties: [String: JSONValue] = [:]
            if case .object(let declared)? = schema["properties"] { properties = declared }
            for (name, field) in fields {
                if let property = properties[name] {
                    found += problems(field, against: property, at: "\(path).\(name)")
                } else if schema["additionalProperties"] == false {
                    found.append("\(path): \(name) is not a documented property")
                }
            }
        }
        if case .array(let items) = value, let itemSchema = schema["items"] {
            for (index, item) in items.enumerated() { found += problems(item, against: itemSchema, at: "\(path)[\(index)]") }
        }
        return found
    }

    /// A `$ref` replaced by what it names (`#/components/...`).
    func resolve(_ schema: JSONValue) -> JSONValue {
        guard let reference = schema["$ref"]?.stringValue, reference.hasPrefix("#/") else { return schema }
        var target = document
        for part in reference.dropFirst(2).split(separator: "/") { target = target[String(part)] ?? .null }
        return resolve(target)
    }

    static func value(_ value: JSONValue, is type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("number", .number), ("string", .string), ("array", .array),
            ("object", .object):
            true
        case ("integer", .number(let number)): number.rounded() == number
        default: false
        }
    }
}
