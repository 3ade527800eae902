import Foundation
import ZoetropeCore

/// One setting of a command, stated once: its flag (`--name`), its environment variable
/// (`ZOETROPE_NAME` unless named otherwise), what it means, how it is parsed and where it goes in
/// the command's configuration. The help text, the README's table and the reader all come from it.
public struct Setting<Target>: Sendable {
    public typealias Kind = SettingKind

    public let name: String
    public let kind: Kind
    public let summary: String
    public let environmentVariable: String
    /// Whether the value must stay out of logs and answers (tokens, database passwords).
    public let isSecret: Bool
    let apply: @Sendable (inout Target, SettingText) throws -> Void
    let describeDefault: @Sendable (Target) -> String?

    init(
        _ name: String, _ kind: Kind, _ summary: String, environment: String? = nil, secret: Bool = false,
        default describeDefault: @escaping @Sendable (Target) -> String? = { _ in nil },
        apply: @escaping @Sendable (inout Target, SettingText) throws -> Void
    ) {
        self.name = name
        self.kind = kind
        self.summary = summary
        self.environmentVariable = environment ?? "ZOETROPE_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
        self.isSecret = secret
        self.apply = apply
        self.describeDefault = describeDefault
    }

    public var flag: String { "--" + name }

    /// What the reader needs to know of this setting, whatever it configures.
    public var declaration: SettingDeclaration {
        SettingDeclaration(name: name, kind: kind, environmentVariable: environmentVariable, isSecret: isSecret)
    }

    /// The default, as the README and `--help` show it, for a configuration's starting values.
    public func defaultText(in target: Target) -> String? { describeDefault(target) }

    /// One line of `--help`: flag, value, meaning, variable and default.
    public func helpLine(defaults: Target) -> String {
        let value: String
        switch kind {
        case .onOff: value = ""
        case .list: value = " <value>…"
        case .duration: value = " <duration>"
        case .byteCount: value = " <size>"
        case .number: value = " <n>"
        case .text: value = " <text>"
        }
        let fallback = defaultText(in: defaults).map { "; default \($0)" } ?? ""
        let variable = kind == .onOff ? "\(environmentVariable)=1" : environmentVariable
        return "\(flag)\(value)\n    \(summary) (\(variable)\(fallback))"
    }
}

/// A setting's name, kind and variable, apart from what it configures.
public struct SettingDeclaration: Sendable {
    public let name: String
    public let kind: SettingKind
    public let environmentVariable: String
    public let isSecret: Bool
    public var flag: String { "--" + name }
}

/// How a setting's text is read.
public enum SettingKind: Sendable {
    case text, number, duration, byteCount, list, onOff
}

/// The text a setting was given and where it came from, parsed with errors that name both the
/// flag and the environment variable.
public struct SettingText: Sendable {
    public let values: [String]
    let flag: String
    let environmentVariable: String

    public var text: String { values.last ?? "" }

    func invalid(_ expected: String) -> SettingsError {
        SettingsError("\(flag) (\(environmentVariable)) must be \(expected) (got '\(values.joined(separator: ","))')")
    }

    public func number(in range: ClosedRange<Int> = Int.min...Int.max) throws -> Int {
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            if range.lowerBound > Int.min && range.upperBound < Int.max {
                throw invalid("a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            throw invalid(range.lowerBound > Int.min ? "a whole number of at least \(range.lowerBound)" : "a whole number")
        }
        return value
    }

    /// Seconds, from `30s`, `10m`, `1h`, `2h30m` or a bare number; more than 0.
    public func seconds() throws -> Double {
        guard let value = DurationText.seconds(text), value > 0 else { throw invalid("a duration such as 30s, 10m or 1h") }
        return value
    }

    /// Bytes, from `200MB`, `2GB` or a bare number; more than 0.
    public func bytes() throws -> Int {
        guard let value = ByteCountText.bytes(text), value > 0 else {
            throw invalid("a size such as 200MB, 2GB or a number of bytes")
        }
        return value
    }

    /// Every value given: repeated flags, or comma-separated.
    public var list: [String] {
        values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// On for a bare flag, or `1`, `true`, `yes`, `on`.
    public var isOn: Bool {
        values.isEmpty || ["", "1", "true", "yes", "on"].contains(text.lowercased())
    }
}

/// A setting that cannot be read, with a message that names its flag and variable.
public struct SettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
