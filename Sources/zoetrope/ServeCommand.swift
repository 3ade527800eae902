import ArgumentParser
import Foundation
import Logging
import ZoetropeCore
import ZoetropeServer

/// `zoetrope serve`: runs the API server, its render slots and its expiry sweeps.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the API server.")

    @Option(help: "Address to listen on (ZOETROPE_HOST, default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on; 0 picks a free one (ZOETROPE_PORT, default 8080).") var port: Int?
    @OptionGroup var data: DataDirectoryOption
    @Option(name: .customLong("public-url"), help: "Base of status and file links (ZOETROPE_PUBLIC_URL).")
    var publicURL: String?
    @Option(help: "How long results are kept after submission, e.g. 1h, 90m (ZOETROPE_RETENTION).")
    var retention: String?
    @Option(help: "Render slots in this process (ZOETROPE_CONCURRENCY, default 1).") var concurrency: Int?
    @OptionGroup var outbound: OutboundOptions
    @Option(name: .customLong("sync-timeout"), help: "How long POST /v1/{model} waits before 504, e.g. 10m (ZOETROPE_SYNC_TIMEOUT).")
    var syncTimeout: String?
    @Option(name: .customLong("lease"), help: "Lease length without a heartbeat, e.g. 30s (ZOETROPE_LEASE).")
    var lease: String?
    @Option(name: .customLong("expiry-interval"), help: "How often expired results are swept, e.g. 30s (ZOETROPE_EXPIRY_INTERVAL).")
    var expiryInterval: String?
    @Option(name: .customLong("price"), help: "A model's price in credits, model=amount: per second of video, per job otherwise (repeat; ZOETROPE_PRICES, comma-separated).")
    var prices: [String] = []
    @Option(name: .customLong("rate-limit"), help: "Requests a minute per API key (ZOETROPE_RATE_LIMIT, default 600).")
    var rateLimit: Int?
    @Option(name: .customLong("rate-burst"), help: "Requests one key may make at once before the rate applies (ZOETROPE_RATE_BURST, default 120).")
    var rateBurst: Int?
    @Option(name: .customLong("max-unfinished-jobs"), help: "Most queued or running jobs per API key (ZOETROPE_MAX_UNFINISHED_JOBS, default 50).")
    var maxUnfinishedJobs: Int?
    @Option(name: .customLong("blob-url"), help: "s3://bucket/prefix for inputs and outputs, with the endpoint and credentials from the environment (ZOETROPE_BLOB_URL; default: the data directory's outputs, served by this process).")
    var blobURL: String?
    @Option(name: .customLong("max-body-size"), help: "Largest request body, e.g. 200MB (ZOETROPE_MAX_BODY_SIZE, default 200MB; larger is 413).")
    var maxBodySize: String?
    @Option(name: .customLong("max-upload-size"), help: "Largest video a worker may upload to /files, e.g. 2GB (ZOETROPE_MAX_UPLOAD_SIZE, default 2GB).")
    var maxUploadSize: String?
    @Option(name: .customLong("body-memory"), help: "Request-body bytes all requests may hold in memory at once; more is 503 (ZOETROPE_BODY_MEMORY, default 512MB).")
    var bodyMemory: String?
    @Option(name: .customLong("idle-timeout"), help: "Close a connection with no request in progress after this, e.g. 60s (ZOETROPE_IDLE_TIMEOUT, default 60s).")
    var idleTimeout: String?
    @Option(name: .customLong("header-timeout"), help: "A request head must arrive within this of its first byte, else 408 (ZOETROPE_HEADER_TIMEOUT, default 10s).")
    var headerTimeout: String?
    @Option(name: .customLong("body-timeout"), help: "A request body must arrive within this of its head, else 408 (ZOETROPE_BODY_TIMEOUT, default 120s).")
    var bodyTimeout: String?
    @Option(name: .customLong("max-connections-per-client"), help: "Most open connections per client address; more are closed at once (ZOETROPE_MAX_CONNECTIONS_PER_CLIENT, default 128).")
    var maxConnectionsPerClient: Int?
    @Flag(name: .customLong("no-local-runner"), help: "Render nothing in this process; leave every job to remote workers (ZOETROPE_NO_LOCAL_RUNNER=1).")
    var noLocalRunner = false
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        var config = ServerConfiguration()
        config.host = host ?? Environment.string("ZOETROPE_HOST") ?? config.host
        if let port = try port ?? Environment.string("ZOETROPE_PORT").map(Self.int(named: "ZOETROPE_PORT")) {
            config.port = port
        }
        config.dataDirectory = data.resolvedDataDirectory
        config.databaseURL = data.resolvedDatabaseURL
        config.publicURL = publicURL ?? Environment.string("ZOETROPE_PUBLIC_URL")
        config.retention = try Self.seconds(retention ?? Environment.string("ZOETROPE_RETENTION"), flag: "--retention") ?? config.retention
        if let slots = try concurrency ?? Environment.string("ZOETROPE_CONCURRENCY").map(Self.int(named: "ZOETROPE_CONCURRENCY")) {
            guard slots >= 1 else { throw ValidationError("--concurrency must be at least 1") }
            config.concurrency = slots
        }
        config.outboundPolicy = try outbound.policy()
        config.syncTimeout = try Self.seconds(syncTimeout ?? Environment.string("ZOETROPE_SYNC_TIMEOUT"), flag: "--sync-timeout") ?? config.syncTimeout
        config.leaseDuration = try Self.seconds(lease ?? Environment.string("ZOETROPE_LEASE"), flag: "--lease") ?? config.leaseDuration
        config.expiryInterval = try Self.seconds(expiryInterval ?? Environment.string("ZOETROPE_EXPIRY_INTERVAL"), flag: "--expiry-interval") ?? config.expiryInterval
        config.prices = prices.isEmpty
            ? (Environment.string("ZOETROPE_PRICES")?.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } ?? [])
            : prices
        if let value = try rateLimit ?? Environment.string("ZOETROPE_RATE_LIMIT").map(Self.int(named: "ZOETROPE_RATE_LIMIT")) {
            guard value >= 1 else { throw ValidationError("--rate-limit must be at least 1") }
            config.rateLimitPerMinute = value
        }
        if let value = try rateBurst ?? Environment.string("ZOETROPE_RATE_BURST").map(Self.int(named: "ZOETROPE_RATE_BURST")) {
            guard value >= 1 else { throw ValidationError("--rate-burst must be at least 1") }
            config.rateLimitBurst = value
        }
        if let value = try maxUnfinishedJobs
            ?? Environment.string("ZOETROPE_MAX_UNFINISHED_JOBS").map(Self.int(named: "ZOETROPE_MAX_UNFINISHED_JOBS"))
        {
            guard value >= 1 else { throw ValidationError("--max-unfinished-jobs must be at least 1") }
            config.maxUnfinishedJobs = value
        }
        config.maxBodyBytes = try Self.bytes(maxBodySize ?? Environment.string("ZOETROPE_MAX_BODY_SIZE"), flag: "--max-body-size") ?? config.maxBodyBytes
        config.maxUploadBytes = try Self.bytes(maxUploadSize ?? Environment.string("ZOETROPE_MAX_UPLOAD_SIZE"), flag: "--max-upload-size") ?? config.maxUploadBytes
        config.bodyMemoryBytes = try Self.bytes(bodyMemory ?? Environment.string("ZOETROPE_BODY_MEMORY"), flag: "--body-memory") ?? config.bodyMemoryBytes
        config.idleTimeout = try Self.seconds(idleTimeout ?? Environment.string("ZOETROPE_IDLE_TIMEOUT"), flag: "--idle-timeout") ?? config.idleTimeout
        config.headerTimeout = try Self.seconds(headerTimeout ?? Environment.string("ZOETROPE_HEADER_TIMEOUT"), flag: "--header-timeout") ?? config.headerTimeout
        config.bodyTimeout = try Self.seconds(bodyTimeout ?? Environment.string("ZOETROPE_BODY_TIMEOUT"), flag: "--body-timeout") ?? config.bodyTimeout
        if let value = try maxConnectionsPerClient
            ?? Environment.string("ZOETROPE_MAX_CONNECTIONS_PER_CLIENT").map(Self.int(named: "ZOETROPE_MAX_CONNECTIONS_PER_CLIENT"))
        {
            guard value >= 1 else { throw ValidationError("--max-connections-per-client must be at least 1") }
            config.maxConnectionsPerClient = value
        }
        config.blobURL = blobURL ?? Environment.string("ZOETROPE_BLOB_URL")
        config.runsLocalEngine = !(noLocalRunner || Environment.flag("ZOETROPE_NO_LOCAL_RUNNER"))
        do {
            _ = try config.databaseLocation()
            try config.validateInboundLimits()
        } catch let error as ConfigurationError {
            throw ValidationError(error.message)
        }
        let logger = try logging.makeLogger()
        try await Gateway(configuration: config, logger: logger).run()
    }

    static func seconds(_ text: String?, flag: String) throws -> Double? {
        guard let text else { return nil }
        guard let value = DurationText.seconds(text), value > 0 else {
            throw ValidationError("\(flag) must be a duration such as 30s, 10m or 1h (got '\(text)')")
        }
        return value
    }

    static func bytes(_ text: String?, flag: String) throws -> Int? {
        guard let text else { return nil }
        guard let value = ByteCountText.bytes(text), value > 0 else {
            throw ValidationError("\(flag) must be a size such as 200MB, 2GB or a number of bytes (got '\(text)')")
        }
        return value
    }

    static func int(named name: String) -> (String) throws -> Int {
        { text in
            guard let value = Int(text) else { throw ValidationError("\(name) must be a whole number (got '\(text)')") }
            return value
        }
    }
}
