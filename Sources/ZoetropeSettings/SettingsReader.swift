import Configuration
import Foundation

/// Reads a command's settings through one swift-configuration reader, flags first and then the
/// environment, after checking that every flag given is one the command declares and carries
/// the values its kind needs.
public struct SettingsReader: Sendable {
    let reader: ConfigReader

    /// A reader for `arguments` (a command's own, without its name) that knows `settings` (every
    /// setting of the command, from all its tables).
    public init(
        arguments: [String], settings: [SettingDeclaration],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        try Self.check(arguments, settings: settings)
        let variables = Dictionary(settings.map { ($0.name, $0.environmentVariable) }) { first, _ in first }
        let secrets = Set(settings.filter(\.isSecret).map(\.environmentVariable))
        let environmentProvider = EnvironmentVariablesProvider(
            environmentVariables: environment.filter { !$0.value.isEmpty },
            secretsSpecifier: .dynamic { name, _ in secrets.contains(name) }
        ).mapKeys { key in
            AbsoluteConfigKey([variables[key.components.joined(separator: ".")] ?? key.components.joined(separator: "_")])
        }
        let flagSecrets = Set(settings.filter(\.isSecret).map(\.flag))
        let flags = CommandLineArgumentsProvider(
            arguments: ["zoetrope"] + arguments, secretsSpecifier: .dynamic { flag, _ in flagSecrets.contains(flag) })
        reader = ConfigReader(providers: [flags, environmentProvider])
    }

    /// Applies every setting that was given (as a flag or a variable) to `target`.
    public func apply<Target>(_ settings: [Setting<Target>], to target: inout Target) throws {
        for setting in settings {
            let key = ConfigKey(setting.name)
            let values: [String]?
            switch setting.kind {
            case .list: values = reader.stringArray(forKey: key, isSecret: setting.isSecret)
            case .onOff: values = reader.bool(forKey: key) == true ? [] : nil
            default: values = reader.string(forKey: key, isSecret: setting.isSecret).map { [$0] }
            }
            guard let values else { continue }
            try setting.apply(
                &target, SettingText(values: values, flag: setting.flag, environmentVariable: setting.environmentVariable))
        }
    }

    /// Refuses an unknown flag, a value with no flag before it, an on/off flag with a value, and
    /// any other flag without exactly one value (lists: one or more, and they may repeat).
    static func check(_ arguments: [String], settings: [SettingDeclaration]) throws {
        let byFlag = Dictionary(settings.map { ($0.flag, $0) }) { first, _ in first }
        var seen: Set<String> = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("--") else { throw SettingsError("unexpected argument '\(argument)'; see --help") }
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            guard let setting = byFlag[parts[0]] else { throw SettingsError("unknown option '\(parts[0])'; see --help") }
            var count = parts.count - 1
            index += 1
            while index < arguments.count, !arguments[index].hasPrefix("--") {
                count += 1
                index += 1
            }
            switch setting.kind {
            case .onOff where count > 0:
                throw SettingsError("\(setting.flag) takes no value")
            case .list where count == 0, .text where count != 1, .number where count != 1, .duration where count != 1,
                .byteCount where count != 1:
                throw SettingsError("\(setting.flag) needs \(setting.kind == .list ? "at least one value" : "one value")")
            default: break
            }
            if setting.kind != .list, !seen.insert(setting.flag).inserted {
                throw SettingsError("\(setting.flag) is given more than once")
            }
        }
    }
}
