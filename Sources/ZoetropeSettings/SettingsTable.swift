/// A command's settings as `--help` lists them and as the README's configuration tables show them.
public enum SettingsTable {
    /// `--help`'s list, one setting to a line pair.
    public static func help<Target>(_ settings: [Setting<Target>], defaults: Target) -> String {
        settings.map { $0.helpLine(defaults: defaults) }.joined(separator: "\n")
    }

    /// A Markdown table: flag, variable, default, meaning.
    public static func markdown<Target>(_ settings: [Setting<Target>], defaults: Target) -> String {
        var lines = ["| flag | variable | default | meaning |", "|---|---|---|---|"]
        for setting in settings {
            let variable = setting.kind == .onOff ? "\(setting.environmentVariable)=1" : setting.environmentVariable
            let value = setting.defaultText(in: defaults).map { "`\($0)`" } ?? "none"
            lines.append("| `\(setting.flag)` | `\(variable)` | \(value) | \(setting.summary) |")
        }
        return lines.joined(separator: "\n")
    }
}
