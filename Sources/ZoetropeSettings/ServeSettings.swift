import ZoetropeServer

/// Every setting of `zoetrope serve`, in the order `--help` and the README list them.
public enum ServeSettings {
    public static let all: [Setting<ServerConfiguration>] = [
        .text("host", \.host, "Address to listen on"),
        .number("port", \.port, "Port to listen on; 0 picks a free one", in: 0...65535),
    ] + DataSettings.all.map { $0.lifted(\.data) } + [
        .optionalText("blob-url", \.blobURL, "s3://bucket/prefix for inputs and outputs, with the endpoint and credentials from the environment (see Scale-out)", whenAbsent: "the data directory's outputs, served at /files/…"),
        .on("no-local-runner", \.runsLocalEngine, "Render nothing in this process; leave every job to remote workers", to: false),
        .optionalText("public-url", \.publicURL, "Base of status and file links", whenAbsent: "http://<host>:<port>"),
        .seconds("retention", \.retention, "How long requests, results and files are kept after submission"),
        .number("concurrency", \.concurrency, "Render slots in this process", in: 1...1024),
    ] + UpstreamSettings.all + OutboundSettings.all.map { $0.lifted(\.outboundPolicy) }
      + ContentPolicySettings.all.map { $0.lifted(\.contentPolicy) } + [
        .seconds("sync-timeout", \.syncTimeout, "How long POST /v1/{model} waits before answering 504"),
        .duration("database-timeout", \.databaseTimeout, "How long a request waits for PostgreSQL before answering 503 database unavailable"),
        .duration("blob-timeout", \.blobTimeout, "How long one request to the S3 bucket may take (plus 1 s per 512 KiB uploaded) before it is retried"),
        .duration("webhook-timeout", \.webhookTimeout, "How long one webhook attempt may take before it fails and is retried later"),
        .seconds("lease", \.leaseDuration, "How long a job's runner may go without a heartbeat before the job is retried"),
        .duration("stall-limit", \.stallLimit, "How long a render's progress may stand still before the render is given up and the job retried"),
        .seconds("expiry-interval", \.expiryInterval, "How often expired results are swept"),
        Setting("price", .list, "A model's price in credits, model=amount: per second of video, per job otherwise (repeat, or comma-separated)",
                environment: "ZOETROPE_PRICES", default: { _ in "0.1 a second of video, 1 per created voice" }) { $0.prices = $1.list },
        .number("rate-limit", \.rateLimitPerMinute, "Requests a minute per API key", in: 1...Int.max),
        .number("rate-burst", \.rateLimitBurst, "Requests one key may make at once before the rate applies", in: 1...Int.max),
        .number("max-unfinished-jobs", \.maxUnfinishedJobs, "Most queued or running jobs per API key", in: 1...Int.max),
        .bytes("max-body-size", \.maxBodyBytes, "Largest request body (larger is 413)"),
        .bytes("max-upload-size", \.maxUploadBytes, "Largest video a worker may upload (to /files; with S3, checked when the worker completes)"),
        .on("any-video-size", \.acceptsAnyVideoSize, "Accept a worker's video at any picture size (tests whose worker renders scaled down); all else about it is still checked"),
        .bytes("body-memory", \.bodyMemoryBytes, "Request-body bytes all requests may hold in memory at once (more is 503)"),
        .seconds("idle-timeout", \.idleTimeout, "Close a connection with no request in progress after this"),
        .seconds("header-timeout", \.headerTimeout, "A request head must arrive within this of its first byte (else 408)"),
        .seconds("body-timeout", \.bodyTimeout, "A request body must arrive within this of its head (else 408)"),
        .number("max-connections-per-client", \.maxConnectionsPerClient, "Most open connections per client address; more are closed at once", in: 1...Int.max),
    ]
}

extension ServerConfiguration {
    /// The data directory and database, as `DataSettings` reads them.
    public var data: DataSettings {
        get {
            var data = DataSettings()
            data.dataDirectory = dataDirectory
            data.databaseURL = databaseURL
            return data
        }
        set {
            dataDirectory = newValue.dataDirectory
            databaseURL = newValue.databaseURL
        }
    }
}
