import ArgumentParser
import Logging
import ZoetropeServer

/// `--log-level` and `--log-format`, shared by `serve` and `worker`.
struct LoggingOptions: ParsableArguments {
    @Option(name: .customLong("log-level"), help: "trace, debug, info, warning, error (ZOETROPE_LOG_LEVEL).")
    var logLevel: String?
    @Option(name: .customLong("log-format"), help: "text, or json for one JSON object per line (ZOETROPE_LOG_FORMAT).")
    var logFormat: String?

    /// Sets up the process's logging and returns the root logger.
    func makeLogger() throws -> Logger {
        let level = logLevel ?? Environment.string("ZOETROPE_LOG_LEVEL") ?? "info"
        guard let parsedLevel = Logger.Level(rawValue: level) else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        switch logFormat ?? Environment.string("ZOETROPE_LOG_FORMAT") ?? "text" {
        case "json": LoggingSystem.bootstrap { JSONLogHandler(label: $0) }
        case "text": break
        case let other: throw ValidationError("--log-format must be text or json (got '\(other)')")
        }
        var logger = Logger(label: "zoetrope")
        logger.logLevel = parsedLevel
        return logger
    }
}
