import Foundation

/// A request body checked against a model's declared parameters: every value of the right type
/// and within its rules, defaults filled in, media inputs read. Refusals are 400s that name the
/// field (`multi_prompt[1].duration`) and what is wrong with it.
public struct ValidatedParameters: Sendable {
    /// The body's values with defaults filled in; absent optional fields without a default are
    /// left out. Media fields keep the string the client sent.
    public var values: [String: JSONValue]
    /// Every media input read, by its field path (`elements[0].reference_image_urls[1]`).
    public var media: [String: MediaInput]
    /// The top-level fields the client gave (present and not null), as opposed to defaults.
    public var given: Set<String>

    /// The value at a top-level field.
    public subscript(name: String) -> JSONValue? { values[name] }
}

extension ParameterSet {
    /// Checks `body` against these parameters; `unsupported` names parameters of the product's
    /// contract that this model's engine does not honour, each refused with its reason.
    public func validate(_ body: JSONValue, unsupported: [String: String] = [:]) throws -> ValidatedParameters {
        guard case .object(let fields) = body else {
            throw InvalidRequest(message: "request body must be a JSON object, got \(body.typeName)")
        }
        if let name = fields.keys.sorted().first(where: { unsupported[$0] != nil && fields[$0] != .null }),
            let reason = unsupported[name]
        {
            throw InvalidRequest(field: name, message: reason)
        }
        let unknown = fields.keys.filter { self[$0] == nil && unsupported[$0] == nil }.sorted()
        if !unknown.isEmpty {
            throw InvalidRequest(
                field: unknown.first, message: "unknown parameter\(unknown.count == 1 ? "" : "s"): \(NameList.brief(unknown))")
        }
        var media: [String: MediaInput] = [:]
        let values = try check(fields, path: "", media: &media)
        let given = Set(fields.filter { $0.value != .null }.keys)
        return ValidatedParameters(values: values, media: media, given: given)
    }

    fileprivate func check(_ fields: [String: JSONValue], path: String, media: inout [String: MediaInput]) throws
        -> [String: JSONValue]
    {
        func named(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }
        if !path.isEmpty {
            let unknown = fields.keys.filter { self[$0] == nil }.sorted()
            if !unknown.isEmpty {
                throw InvalidRequest(path, "has unknown field(s): \(NameList.brief(unknown))")
            }
        }
        var values: [String: JSONValue] = [:]
        for parameter in parameters {
            let field = named(parameter.name)
            guard let value = fields[parameter.name], value != .null else {
                if parameter.isRequired { throw InvalidRequest(field, "is required") }
                if let fallback = parameter.defaultValue { values[parameter.name] = fallback }
                continue
            }
            values[parameter.name] = try parameter.type.check(value, field: field, media: &media)
        }
        if !atLeastOneOf.isEmpty, !atLeastOneOf.contains(where: { name in
            switch fields[name] {
            case nil, .null?: false
            case .array(let items)?: !items.isEmpty
            default: true
            }
        }) {
            let names = atLeastOneOf.map(named)
            throw InvalidRequest(names[0], "is required (or give \(names.dropFirst().joined(separator: " or ")))")
        }
        return values
    }
}

extension ParameterType {
    /// Checks one value on its own (a query parameter, an amount) with the rules a body's field
    /// gets; returns it as it is kept.
    public func validate(_ value: JSONValue, field: String) throws -> JSONValue {
        var media: [String: MediaInput] = [:]
        return try check(value, field: field, media: &media)
    }

    /// Checks one value; returns it as it is kept (durations as integers).
    fileprivate func check(_ value: JSONValue, field: String, media: inout [String: MediaInput]) throws -> JSONValue {
        switch self {
        case .choice(let choices):
            guard case .string(let text) = value, choices.contains(text) else {
                let got = if case .string(let text) = value { "\"\(text)\"" } else { value.typeName }
                throw InvalidRequest(
                    field, "must be one of \(choices.map { "\"\($0)\"" }.joined(separator: ", ")); got \(got)")
            }
            return value
        case .text(let length):
            guard case .string(let text) = value else {
                throw InvalidRequest(field, "must be a string, got \(value.typeName)")
            }
            let count = text.unicodeScalars.count
            if count < length.lowerBound {
                throw InvalidRequest(
                    field: field, message: length.lowerBound == 1
                        ? "\(field) must not be empty" : "\(field) is \(count) characters; at least \(length.lowerBound) are needed")
            }
            if count > length.upperBound {
                throw InvalidRequest(field, "is \(count) characters; at most \(length.upperBound) are allowed")
            }
            return value
        case .number(let range):
            guard case .number(let number) = value else {
                throw InvalidRequest(
                    field, "must be a number between \(range.lowerBound.shortText) and \(range.upperBound.shortText), got \(value.typeName)")
            }
            guard number.isFinite, range.contains(number) else {
                throw InvalidRequest(
                    field, "must be between \(range.lowerBound.shortText) and \(range.upperBound.shortText), got \(number.shortText)")
            }
            return value
        case .integer(let range):
            guard case .number(let number) = value, number.rounded() == number,
                Double(range.lowerBound) <= number, number <= Double(range.upperBound)
            else {
                let got = if case .number(let number) = value { number.shortText } else { value.typeName }
                throw InvalidRequest(field, "must be a whole number from \(range.lowerBound) to \(range.upperBound), got \(got)")
            }
            return value
        case .boolean:
            guard case .bool = value else {
                throw InvalidRequest(field, "must be a boolean (true or false), got \(value.typeName)")
            }
            return value
        case .seconds(let range):
            let seconds: Int? =
                switch value {
                case .string(let text): Int(text).flatMap { String($0) == text ? $0 : nil }
                case .number(let number): number.rounded() == number && abs(number) < 1e6 ? Int(number) : nil
                default: nil
                }
            guard let seconds, range.contains(seconds) else {
                throw InvalidRequest(
                    field, "must be a whole number of seconds from \"\(range.lowerBound)\" to \"\(range.upperBound)\"")
            }
            return .number(Double(seconds))
        case .media(let kind):
            let input = try MediaInputParser.parse(value, field: field, kind: kind.noun)
            guard case .string(let text) = value, Self.matchesMediaPattern(text) else {
                throw InvalidRequest(
                    field, "must be an http(s) URL (letters, digits and URL punctuation, no spaces), a base64 data: URI or bare base64 of \(kind.noun)")
            }
            media[field] = input
            return value
        case .credits:
            let text: String? =
                switch value {
                case .string(let text) where Self.wholeMatch(Self.creditsPattern, text): text
                case .number(let number) where number.rounded() == number && Double(Self.creditsIntegerRange.lowerBound) <= number
                    && number <= Double(Self.creditsIntegerRange.upperBound): String(Int(number))
                default: nil
                }
            guard let text, Credits(text) != nil else {
                throw InvalidRequest(
                    field, "must be a decimal number of credits with at most 6 decimals as a string (\"12.5\") or a whole number")
            }
            return .string(text)
        case .webURL:
            guard case .string(let text) = value, Self.wholeMatch(Self.webURLPattern, text), URL(string: text)?.host != nil
            else {
                throw InvalidRequest(field, "must be an http(s) URL (letters, digits and URL punctuation, no spaces)")
            }
            return value
        case .list(let item, let maxItems, let noun):
            guard case .array(let items) = value else {
                throw InvalidRequest(field, "must be an array, got \(value.typeName)")
            }
            guard items.count <= maxItems else {
                throw InvalidRequest(field, "has \(items.count) \(noun); at most \(maxItems) are allowed")
            }
            return .array(try items.enumerated().map { index, element in
                try item.check(element, field: "\(field)[\(index)]", media: &media)
            })
        case .object(let set):
            guard case .object(let fields) = value else {
                throw InvalidRequest(field, "must be an object, got \(value.typeName)")
            }
            return .object(try set.check(fields, path: field, media: &media))
        }
    }

    nonisolated(unsafe) private static let mediaRegex = try! NSRegularExpression(pattern: mediaPattern)

    /// Whether the pattern matches all of `text` (ICU's `$` would also match before a final line break).
    public static func wholeMatch(_ pattern: String, _ text: String) -> Bool {
        guard let range = text.range(of: pattern, options: .regularExpression) else { return false }
        return range == text.startIndex..<text.endIndex
    }

    /// Whether `text` matches `mediaPattern`. Long inline data is checked by its base64 part alone,
    /// a quad at a time, so a 50 MB image does not run through the regular expression engine.
    static func matchesMediaPattern(_ text: String) -> Bool {
        let utf8 = Array(text.utf8)
        if utf8.count <= 16_384 {
            return mediaRegex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)).map {
                $0.range.length == (text as NSString).length
            } ?? false
        }
        var payload = utf8[...]
        if let comma = utf8.firstIndex(of: UInt8(ascii: ",")) {
            let header = String(decoding: utf8[..<comma], as: UTF8.self)
            let probe = header + ",AAAA"
            guard mediaRegex.firstMatch(in: probe, range: NSRange(probe.startIndex..., in: probe))?.range.length
                == (probe as NSString).length
            else { return false }
            payload = utf8[(comma + 1)...]
        }
        return isBase64(payload)
    }

    /// The `base64Pattern` rule, byte by byte: the alphabet, then at most two `=` that complete a quad.
    static func isBase64(_ bytes: ArraySlice<UInt8>) -> Bool {
        var body = bytes
        var padding = 0
        while body.last == UInt8(ascii: "="), padding < 2 { body = body.dropLast(); padding += 1 }
        guard !body.isEmpty, body.allSatisfy({ byte in
            (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte)
                || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }) else { return false }
        switch body.count % 4 {
        case 0: return padding == 0
        case 1: return false
        case 2: return padding == 0 || padding == 2
        default: return padding == 0 || padding == 1
        }
    }
}

extension Double {
    /// `0` and `1` rather than `0.0` and `1.0` in messages.
    var shortText: String { rounded() == self && abs(self) < 1e15 ? String(Int64(self)) : String(self) }
}
