import Foundation

/// Everything `zoetrope serve` can be told, with the defaults of ARCHITECTURE.md's table.
public struct ServerConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    /// 0 picks a free port (the public URL then follows the bound port).
    public var port: Int = 8080
    public var dataDirectory: URL = URL(fileURLWithPath: "zoetrope-data")
    /// `sqlite:<path>`; nil means `sqlite:<data-dir>/zoetrope.sqlite`.
    public var databaseURL: String?
    /// Base of status and file links; nil means `http://<host>:<port>`.
    public var publicURL: String?
    /// How long status, results and files are kept after submission, in seconds.
    public var retention: Double = 3600
    /// Render slots in this process.
    public var concurrency: Int = 1
    /// Lets input URLs reach loopback and private addresses (tests serve images from loopback).
    public var allowPrivateInputs: Bool = false
    /// How long a lease lasts without a heartbeat, in seconds.
    public var leaseDuration: Double = 30
    /// How often expired results are swept, in seconds.
    public var expiryInterval: Double = 30
    /// How long `POST /v1/{model}` waits before answering 504, in seconds.
    public var syncTimeout: Double = 600
    /// How often an idle render slot looks for work, in seconds.
    public var pollInterval: Double = 0.25
    /// How many times a job is leased before an interrupted job ends FAILED.
    public var maxAttempts: Int = 3
    /// Largest request body accepted, in bytes (two 50 MB images as base64 and more).
    public var maxBodyBytes: Int = 200 * 1024 * 1024
    /// Prices, as `model=credits` (per second of video, per job otherwise), over the defaults.
    public var prices: [String] = []
    /// Each key's token bucket: requests a minute, and how many may come at once.
    public var rateLimitPerMinute: Int = 600
    public var rateLimitBurst: Int = 120
    /// Most QUEUED or PROCESSING jobs one key may have.
    public var maxUnfinishedJobs: Int = 50
    /// Webhook retries: the wait before the second attempt (each later one is 3 times longer),
    /// and attempts in all (6 attempts over about 20 minutes by default).
    public var webhookRetryBase: Double = 10
    public var webhookMaxAttempts: Int = 6

    public init() {}

    /// The SQLite file this configuration points at.
    public func sqlitePath() throws -> String {
        guard let databaseURL else {
            return dataDirectory.appendingPathComponent("zoetrope.sqlite").path
        }
        if databaseURL.hasPrefix("sqlite:") {
            var path = String(databaseURL.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else { throw ConfigurationError("--database-url sqlite: needs a file path") }
            return path
        }
        if databaseURL.hasPrefix("postgres://") || databaseURL.hasPrefix("postgresql://") {
            throw ConfigurationError(
                "PostgreSQL is not supported yet; use sqlite:<path> (the embedded store) for --database-url")
        }
        throw ConfigurationError("--database-url must start with sqlite: (got '\(databaseURL)')")
    }

    public var outputsDirectory: URL { dataDirectory.appendingPathComponent("outputs", isDirectory: true) }
    public var inputsDirectory: URL { dataDirectory.appendingPathComponent("inputs", isDirectory: true) }
    public var signingKeyFile: URL { dataDirectory.appendingPathComponent("signing.key") }
}

/// A configuration value that cannot work, with a message that says which and why.
public struct ConfigurationError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
