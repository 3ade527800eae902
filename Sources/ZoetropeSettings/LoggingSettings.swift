/// How a process logs: `--log-level` and `--log-format`, shared by `serve` and `worker`.
public struct LoggingSettings: Sendable {
    public var level = "info"
    public var format = "text"

    public init() {}

    public static let all: [Setting<LoggingSettings>] = [
        .text("log-level", \.level, "trace, debug, info, notice, warning, error or critical"),
        .text("log-format", \.format, "text, or json for one JSON object per line"),
    ]
}
