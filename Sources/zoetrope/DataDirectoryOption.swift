import ArgumentParser
import Foundation
import ZoetropeSettings

/// `--data-dir` and `--database-url` for the `keys` commands, read with the same settings as
/// `serve` (`DataSettings.all`): the flag, else its environment variable, else the default.
struct DataDirectoryOption: ParsableArguments {
    @Option(name: .customLong(DataSettings.all[0].name), help: ArgumentHelp(DataSettings.all[0].summary))
    var dataDirectory: String?

    @Option(name: .customLong(DataSettings.all[1].name), help: ArgumentHelp(DataSettings.all[1].summary))
    var databaseURL: String?

    /// The settings, from these flags and the environment.
    func resolved() throws -> DataSettings {
        var arguments: [String] = []
        if let dataDirectory { arguments += [DataSettings.all[0].flag, dataDirectory] }
        if let databaseURL { arguments += [DataSettings.all[1].flag, databaseURL] }
        var data = DataSettings()
        try SettingsHelp.reading {
            try SettingsReader(arguments: arguments, settings: DataSettings.all.map(\.declaration))
                .apply(DataSettings.all, to: &data)
        }
        return data
    }
}
