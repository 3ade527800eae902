import Foundation

/// Where a process keeps its data: `--data-dir` and `--database-url`, shared by `serve` and `keys`.
public struct DataSettings: Sendable {
    public var dataDirectory = URL(fileURLWithPath: "zoetrope-data")
    /// `sqlite:<path>` or `postgres://…`; nil means the SQLite file in the data directory.
    public var databaseURL: String?

    public init() {}

    public static let all: [Setting<DataSettings>] = [
        Setting("data-dir", .text, "Directory for the SQLite file, inputs, outputs and the signing key",
                default: { $0.dataDirectory.relativePath }) { $0.dataDirectory = URL(fileURLWithPath: $1.text) },
        .optionalText("database-url", \.databaseURL, "sqlite:<path>, or postgres://user:password@host:port/db[?sslmode=require]",
                      secret: true, whenAbsent: "sqlite:<data-dir>/zoetrope.sqlite"),
    ]
}
