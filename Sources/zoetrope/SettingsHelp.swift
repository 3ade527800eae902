import ArgumentParser
import Logging
import ZoetropeServer
import ZoetropeCore
import ZoetropeSettings

/// What the settings-driven commands share: their `--help` text and their errors as
/// argument-parser validation errors.
enum SettingsHelp {
    static func discussion(_ tables: String...) -> String {
        "Settings (a flag, or the environment variable named after it; flags win):\n\n" + tables.joined(separator: "\n")
    }

    /// Runs `body`, turning a setting's or configuration's error into a usage error.
    static func reading(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as SettingsError {
            throw ValidationError(error.message)
        } catch let error as ConfigurationError {
            throw ValidationError(error.message)
        }
    }
}

extension LoggingSettings {
    /// Sets up the process's logging and returns the root logger.
    func makeLogger() throws -> Logger {
        guard let parsedLevel = Logger.Level(rawValue: level) else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        switch format {
        case "json": LoggingSystem.bootstrap { JSONLogHandler(label: $0) }
        case "text": break
        case let other: throw ValidationError("--log-format must be text or json (got '\(other)')")
        }
        var logger = Logger(label: "zoetrope")
        logger.logLevel = parsedLevel
        return logger
    }
}
