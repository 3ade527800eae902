import Foundation
import ZoetropeCore
import ZoetropeOutbound
import ZoetropeStore
import ZoetropeWorker

/// Everything `zoetrope serve` can be told, with the defaults of the README's configuration table.
public struct ServerConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    /// 0 picks a free port (the public URL then follows the bound port).
    public var port: Int = 8080
    public var dataDirectory: URL = URL(fileURLWithPath: "zoetrope-data")
    /// `sqlite:<path>` or `postgres://…`; nil means `sqlite:<data-dir>/zoetrope.sqlite`.
    public var databaseURL: String?
    /// `s3://bucket/prefix` (endpoint and credentials from the environment); nil means the
    /// `outputs` directory, served by this gateway.
    public var blobURL: String?
    /// The environment the S3 blob store's endpoint and credentials are read from (`AWS_*`,
    /// `ZOETROPE_S3_*`), captured once where the configuration is read.
    public var blobEnvironment: [String: String] = ProcessInfo.processInfo.environment
    /// Whether this process renders jobs itself; false for a gateway that leaves all rendering to
    /// remote workers (`--no-local-runner`).
    public var runsLocalEngine: Bool = true
    /// Base of status and file links; nil means `http://<host>:<port>`.
    public var publicURL: String?
    /// How long status, results and files are kept after submission, in seconds.
    public var retention: Double = 3600
    /// Render slots in this process.
    public var concurrency: Int = 1
    /// The upstreams models may be routed to (`--upstream`), each with the API key this gateway
    /// uses there.
    public var upstreams: [UpstreamEndpoint] = []
    /// The files upstreams' keys are read from (`--upstream-key-file`), by upstream name; an
    /// upstream without one reads `ZOETROPE_UPSTREAM_KEY_<NAME>`.
    public var upstreamKeyFiles: [String: String] = [:]
    /// The models routed to an upstream (`--route`).
    public var routes: [ModelRoute] = []
    /// Jobs this process may have running on upstreams at once (its upstream slots).
    public var upstreamConcurrency: Int = 8
    /// The first pause between polls of an upstream request, in seconds (it grows to ten times this).
    public var upstreamPollInterval: Double = 1
    /// How long an upstream may go unanswering (network errors, 5xx) before the job waiting on it
    /// fails, in seconds.
    public var upstreamPatience: Double = 600
    /// The rules for every outbound request (input fetches and webhooks): addresses, ports, the
    /// fetch deadline and minimum rate.
    public var outboundPolicy = OutboundPolicy()
    /// Lets input URLs and webhooks reach loopback and private addresses on any port (a trusted
    /// network; tests serve images from loopback).
    public var allowPrivateInputs: Bool {
        get { outboundPolicy.allowPrivate }
        set { outboundPolicy.allowPrivate = newValue }
    }
    /// The content policy file and the moderation service.
    public var contentPolicy = ContentPolicyConfiguration()
    /// How long a lease lasts without a heartbeat, in seconds.
    public var leaseDuration: Double = 30
    /// How long a render slot's progress may stand still before its render is given up and the
    /// job left to its lease's expiry (tried again).
    public var stallLimit: Duration = JobExecutor.defaultStallLimit
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
    /// Largest video a worker may upload to `PUT /files/{key}`, in bytes (streamed to disk).
    public var maxUploadBytes: Int = 2 * 1024 * 1024 * 1024
    /// Whether a remote worker's video may be of any picture size (tests whose worker renders
    /// scaled down); everything else about it is still checked before its job completes.
    public var acceptsAnyVideoSize: Bool = false
    /// Bytes of request bodies all requests together may hold in memory at once; a body that
    /// would go over it is answered 503 with `Retry-After`. At least `maxBodyBytes`.
    public var bodyMemoryBytes: Int = 512 * 1024 * 1024
    /// A connection with no request in progress is closed after this many seconds.
    public var idleTimeout: Double = 60
    /// A request's head must arrive within this many seconds of its first byte (else 408).
    public var headerTimeout: Double = 10
    /// A request's body must arrive within this many seconds of its head (else 408).
    public var bodyTimeout: Double = 120
    /// Most connections one client address may hold open at once; more are closed at accept.
    public var maxConnectionsPerClient: Int = 128
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
    /// The longest one webhook attempt may take, connect to the receiver's answer; a receiver that
    /// hangs fails that attempt (retried later) and holds up no other delivery.
    public var webhookTimeout: Duration = .seconds(10)
    /// The longest a request waits for the database (PostgreSQL) before it is answered 503
    /// `database unavailable` with `Retry-After`.
    public var databaseTimeout: Duration = PostgresDataStore.defaultQueryTimeout
    /// The longest one request to the S3 bucket may take (an upload gets a second more for every
    /// 512 KiB); a failed or timed-out request is retried with backoff before the operation fails.
    public var blobTimeout: Duration = S3BlobStore.defaultRequestTimeout

    public init() {}

    /// Throws when the body caps, body-memory budget, timeouts or connection cap cannot work.
    /// The S3 bucket `blobURL` names, with its endpoint and credentials; nil for local blobs.
    public func s3Configuration() throws -> S3Configuration? {
        guard let blobURL else { return nil }
        guard blobURL.hasPrefix("s3://") else {
            throw ConfigurationError("--blob-url must be s3://bucket/prefix (got '\(blobURL)'); leave it out for the local outputs directory")
        }
        do {
            return try S3Configuration.parse(blobURL: blobURL, environment: blobEnvironment)
        } catch let error as S3ConfigurationError {
            throw ConfigurationError("--blob-url: \(error)")
        }
    }

    public func validateInboundLimits() throws {
        guard maxBodyBytes > 0, maxUploadBytes > 0 else {
            throw ConfigurationError("--max-body-size and --max-upload-size must be more than 0 bytes")
        }
        guard bodyMemoryBytes >= maxBodyBytes else {
            throw ConfigurationError(
                "--body-memory (\(bodyMemoryBytes) bytes) must be at least --max-body-size (\(maxBodyBytes) bytes), or a largest body could never be read")
        }
        for (flag, seconds) in [("--idle-timeout", idleTimeout), ("--header-timeout", headerTimeout), ("--body-timeout", bodyTimeout)]
        where !(seconds.isFinite && seconds > 0) {
            throw ConfigurationError("\(flag) must be a positive duration")
        }
        for (flag, limit) in [("--database-timeout", databaseTimeout), ("--blob-timeout", blobTimeout), ("--webhook-timeout", webhookTimeout)]
        where limit <= .zero {
            throw ConfigurationError("\(flag) must be a positive duration")
        }
        guard maxConnectionsPerClient >= 1 else {
            throw ConfigurationError("--max-connections-per-client must be at least 1")
        }
    }

    /// The database this configuration points at.
    public func databaseLocation() throws -> DatabaseLocation {
        try DatabaseLocation.parse(databaseURL, dataDirectory: dataDirectory)
    }

    public var outputsDirectory: URL { dataDirectory.appendingPathComponent("outputs", isDirectory: true) }
    /// Scratch space for jobs being rendered in this process.
    public var workDirectory: URL { dataDirectory.appendingPathComponent("work", isDirectory: true) }
    public var signingKeyFile: URL { dataDirectory.appendingPathComponent("signing.key") }
}

