import ArgumentParser
import Foundation

/// `--data-dir`, shared by every command (falls back to `ZOETROPE_DATA_DIR`, then `./zoetrope-data`).
struct DataDirectoryOption: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Directory for the SQLite file, outputs and keys (ZOETROPE_DATA_DIR).")
    var dataDirectory: String?

    @Option(name: .customLong("database-url"), help: "sqlite:<path> or postgres://user:password@host:port/db (ZOETROPE_DATABASE_URL).")
    var databaseURL: String?

    var resolvedDataDirectory: URL {
        URL(fileURLWithPath: dataDirectory ?? Environment.string("ZOETROPE_DATA_DIR") ?? "zoetrope-data")
    }

    var resolvedDatabaseURL: String? { databaseURL ?? Environment.string("ZOETROPE_DATABASE_URL") }
}
