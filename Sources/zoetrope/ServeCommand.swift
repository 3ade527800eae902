import ArgumentParser
import Foundation
import ZoetropeMedia
import ZoetropeServer
import ZoetropeSettings

/// `zoetrope serve`: runs the API server, its render slots and its expiry sweeps. Its settings are
/// `ServeSettings.all` and `LoggingSettings.all`, read from flags and the environment.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the API server.",
        discussion: SettingsHelp.discussion(
            SettingsTable.help(ServeSettings.all, defaults: ServerConfiguration()),
            SettingsTable.help(LoggingSettings.all, defaults: LoggingSettings())))

    @Argument(parsing: .allUnrecognized, help: .hidden) var settings: [String] = []

    func run() async throws {
        var config = ServerConfiguration()
        var logging = LoggingSettings()
        try SettingsHelp.reading {
            let reader = try SettingsReader(
                arguments: settings, settings: ServeSettings.all.map(\.declaration) + LoggingSettings.all.map(\.declaration))
            try reader.apply(ServeSettings.all, to: &config)
            try reader.apply(LoggingSettings.all, to: &logging)
            try UpstreamSettings.readKeys(into: &config, environment: ProcessInfo.processInfo.environment)
            try config.validateUpstreams(catalog: BuiltInEngines.catalog)
            _ = try config.databaseLocation()
            _ = try config.s3Configuration()
            try config.validateInboundLimits()
        }
        let logger = try logging.makeLogger()
        try await Gateway(configuration: config, logger: logger).run()
    }
}
