/// One request parameter of a model, declared once: its wire name, the shape and rules of its
/// value, whether it is required and its default. Validation, `/v1/models`, the OpenAPI document
/// and the clients' tests all read this declaration.
public struct Parameter: Sendable {
    public var name: String
    public var type: ParameterType
    public var isRequired: Bool
    /// The value used when the parameter is absent or null.
    public var defaultValue: JSONValue?
    public var description: String?

    public init(
        _ name: String, _ type: ParameterType, required: Bool = false, default defaultValue: JSONValue? = nil,
        description: String? = nil
    ) {
        self.name = name
        self.type = type
        self.isRequired = required
        self.defaultValue = defaultValue
        self.description = description
    }
}

/// The shape and rules of a parameter's value.
public indirect enum ParameterType: Sendable {
    /// Text of `length` Unicode scalars (as JSON Schema counts them).
    case text(length: ClosedRange<Int>)
    /// One of these strings.
    case choice([String])
    /// A finite number within the range.
    case number(ClosedRange<Double>)
    /// A whole number within the range (a JSON integer).
    case integer(ClosedRange<Int>)
    case boolean
    /// Whole seconds within the range, sent as a string (`"5"`, the product page's form) or an integer.
    case seconds(ClosedRange<Int>)
    /// An input file: an http(s) URL, a `data:` URI or bare base64, at most `MediaInputParser.maxBytes`.
    case media(MediaKind)
    /// An amount of credits: a decimal string with at most 6 decimals (`"12.5"`) or a whole number.
    case credits
    /// An http(s) URL (letters, digits and URL punctuation, no spaces).
    case webURL
    /// A list of at most `maxItems` values; `noun` names the items in messages ("segments").
    case list(of: ParameterType, maxItems: Int, noun: String)
    /// An object with exactly these fields.
    case object(ParameterSet)
}

/// What an input file holds, for messages and for the playground's file picker.
public enum MediaKind: String, Sendable {
    case image
    case audio

    /// "an image" / "an audio or video file".
    public var noun: String {
        switch self {
        case .image: "an image"
        case .audio: "an audio or video file"
        }
    }
}

/// The fields of a request body or of a nested object, with the rule that at least one of some
/// fields must be given (`prompt` or `multi_prompt`).
public struct ParameterSet: Sendable {
    public var parameters: [Parameter]
    /// At least one of these must be present, not null, and (for lists) not empty.
    public var atLeastOneOf: [String]

    public init(_ parameters: [Parameter], atLeastOneOf: [String] = []) {
        self.parameters = parameters
        self.atLeastOneOf = atLeastOneOf
    }

    public subscript(name: String) -> Parameter? { parameters.first { $0.name == name } }

    public var names: [String] { parameters.map(\.name) }

    /// The same set without the named parameters (features an engine does not honour).
    public func removing(_ names: Set<String>) -> ParameterSet {
        ParameterSet(parameters.filter { !names.contains($0.name) }, atLeastOneOf: atLeastOneOf.filter { !names.contains($0) })
    }
}
