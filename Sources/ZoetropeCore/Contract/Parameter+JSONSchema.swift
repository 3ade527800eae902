/// JSON Schema (draft 2020-12, as OpenAPI 3.1 uses it) rendered from parameter declarations.
/// Optional parameters also accept `null`, which the server reads as "absent".
extension ParameterSet {
    public var jsonSchema: JSONValue {
        var properties: [String: JSONValue] = [:]
        for parameter in parameters { properties[parameter.name] = parameter.jsonSchema }
        var schema: [String: JSONValue] = [
            "type": "object", "additionalProperties": false, "properties": .object(properties),
        ]
        let required = parameters.filter(\.isRequired).map { JSONValue.string($0.name) }
        if !required.isEmpty { schema["required"] = .array(required) }
        if !atLeastOneOf.isEmpty {
            schema["anyOf"] = .array(atLeastOneOf.compactMap { name in
                guard let parameter = self[name] else { return nil }
                var given = parameter.type.jsonSchema(nullable: false)
                if case .list = parameter.type, case .object(var fields) = given {
                    fields["minItems"] = 1
                    given = .object(fields)
                }
                return ["required": [.string(name)], "properties": [name: given]]
            })
        }
        return .object(schema)
    }
}

extension Parameter {
    public var jsonSchema: JSONValue {
        guard case .object(var schema) = type.jsonSchema(nullable: !isRequired) else { return type.jsonSchema(nullable: false) }
        if let defaultValue { schema["default"] = defaultValue }
        if let description { schema["description"] = .string(description) }
        return .object(schema)
    }
}

extension ParameterType {
    /// The pattern every media string must match: an http(s) URL, a base64 `data:` URI or bare
    /// base64 (standard or URL-safe alphabet, padding optional). The server checks it too.
    public static let mediaPattern =
        "^(?:\(urlPattern)"
        + "|[Dd][Aa][Tt][Aa]:[A-Za-z0-9.+/=_-]*(?:;[A-Za-z0-9.+/=_-]*)*;[Bb][Aa][Ss][Ee]64,\(base64Pattern)"
        + "|\(base64Pattern))$"
    /// An http(s) URL whose every form `URL(string:)` reads with a host.
    static let urlPattern =
        "[Hh][Tt][Tt][Pp][Ss]?://(?:[A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]{1,5})?(?:[/?#][A-Za-z0-9._~%!$&'()*+,;=:@/?-]*)?"
    /// `webURL` values.
    public static let webURLPattern = "^\(urlPattern)$"
    /// Decimal credits: up to 9 digits, up to 6 decimals.
    public static let creditsPattern = "^-?[0-9]{1,9}(?:\\.[0-9]{1,6})?$"
    /// The whole-number form of credits.
    public static let creditsIntegerRange = -999_999_999...999_999_999

    /// Non-empty base64 whose length leaves no lone character: whole quads, then 2 or 3 more
    /// characters with optional padding.
    static let base64Pattern =
        "(?:(?:[A-Za-z0-9+/_-]{4})+(?:[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)?"
        + "|[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)"

    public func jsonSchema(nullable: Bool) -> JSONValue {
        func type(_ name: String) -> JSONValue { nullable ? [.string(name), "null"] : .string(name) }
        switch self {
        case .choice(let values):
            return ["type": type("string"), "enum": .array(values.map(JSONValue.string) + (nullable ? [.null] : []))]
        case .text(let length):
            return ["type": type("string"), "minLength": .number(Double(length.lowerBound)),
                    "maxLength": .number(Double(length.upperBound))]
        case .number(let range):
            return ["type": type("number"), "minimum": .number(range.lowerBound), "maximum": .number(range.upperBound)]
        case .integer(let range):
            return ["type": type("integer"), "minimum": .number(Double(range.lowerBound)),
                    "maximum": .number(Double(range.upperBound))]
        case .boolean:
            return ["type": type("boolean")]
        case .seconds(let range):
            var choices: [JSONValue] = [
                ["type": "string", "enum": .array(range.map { .string(String($0)) })],
                ["type": "integer", "minimum": .number(Double(range.lowerBound)), "maximum": .number(Double(range.upperBound))],
            ]
            if nullable { choices.append(["type": "null"]) }
            return ["oneOf": .array(choices)]
        case .media(let kind):
            return [
                "type": type("string"), "minLength": 1, "pattern": .string(Self.mediaPattern),
                "x-zoetrope-media": .string(kind.rawValue),
                "description": .string(
                    "\(kind.noun.prefix(1).uppercased() + kind.noun.dropFirst()) as an http(s) URL, a base64 data: URI or bare base64, at most \(MediaInputParser.maxBytes / (1024 * 1024)) MB"),
            ]
        case .credits:
            var choices: [JSONValue] = [
                ["type": "string", "pattern": .string(Self.creditsPattern)],
                ["type": "integer", "minimum": .number(Double(Self.creditsIntegerRange.lowerBound)),
                 "maximum": .number(Double(Self.creditsIntegerRange.upperBound))],
            ]
            if nullable { choices.append(["type": "null"]) }
            return ["oneOf": .array(choices)]
        case .webURL:
            return ["type": type("string"), "pattern": .string(Self.webURLPattern)]
        case .list(let item, let maxItems, _):
            return ["type": type("array"), "maxItems": .number(Double(maxItems)), "items": item.jsonSchema(nullable: false)]
        case .object(let set):
            guard nullable, case .object(var schema) = set.jsonSchema else { return set.jsonSchema }
            schema["type"] = ["object", "null"]
            return .object(schema)
        }
    }
}
