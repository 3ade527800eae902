import Foundation

/// The messages of the worker protocol (`/v1/worker/…`, authenticated by a worker token): a
/// worker long-polls for a lease on jobs of the models it serves, heartbeats with progress,
/// uploads its video to the lease's upload link, then completes or fails the job. Documented
/// in the OpenAPI document; JSON keys are snake_case.
public enum WorkerProtocol {
    /// `POST /v1/worker/lease`.
    public struct LeaseRequest: Codable, Sendable, Equatable {
        /// Stable for the worker process (one per render slot).
        public var workerID: String
        public var models: [String]
        /// How long to hold the request open when no job is waiting, in seconds (at most 30).
        public var waitSeconds: Double?

        public init(workerID: String, models: [String], waitSeconds: Double? = nil) {
            self.workerID = workerID
            self.models = models
            self.waitSeconds = waitSeconds
        }

        enum CodingKeys: String, CodingKey {
            case workerID = "worker_id", models, waitSeconds = "wait_seconds"
        }
    }

    /// Where a worker sends its video: a plain `PUT` of the MP4's bytes, no API key.
    public struct Upload: Codable, Sendable, Equatable {
        public var url: String
        public var method: String
        public var key: String

        public init(url: String, method: String = "PUT", key: String) {
            self.url = url
            self.method = method
            self.key = key
        }
    }

    /// The answer to a lease: one job, validated, with signed links to its stored inputs.
    public struct Assignment: Codable, Sendable, Equatable {
        public var id: String
        public var model: String
        /// 1 for the first try; more when an earlier worker's lease expired.
        public var attempt: Int
        /// Heartbeat well within this many seconds, or the job goes back to the queue.
        public var leaseSeconds: Double
        public var leaseExpiresAt: Double
        /// The validated request (stored inputs appear as `{"stored": {"_0": NAME}}`).
        public var request: JobRequest
        /// Signed GET links to the stored inputs, by name; fetch them into the input directory.
        public var inputs: [String: String]
        /// Where the video goes (video models only).
        public var upload: Upload?

        public init(
            id: String, model: String, attempt: Int, leaseSeconds: Double, leaseExpiresAt: Double, request: JobRequest,
            inputs: [String: String], upload: Upload?
        ) {
            self.id = id
            self.model = model
            self.attempt = attempt
            self.leaseSeconds = leaseSeconds
            self.leaseExpiresAt = leaseExpiresAt
            self.request = request
            self.inputs = inputs
            self.upload = upload
        }

        enum CodingKeys: String, CodingKey {
            case id, model, attempt, leaseSeconds = "lease_seconds", leaseExpiresAt = "lease_expires_at", request, inputs,
                upload
        }
    }

    /// `POST /v1/worker/jobs/{id}/heartbeat`: progress 0...1; answered with the new expiry, or
    /// 409 when the lease is lost (cancelled, or taken by another worker): stop the job then.
    public struct Heartbeat: Codable, Sendable, Equatable {
        public var workerID: String
        public var progress: Double

        public init(workerID: String, progress: Double) {
            self.workerID = workerID
            self.progress = progress
        }

        enum CodingKeys: String, CodingKey {
            case workerID = "worker_id", progress
        }
    }

    /// `POST /v1/worker/jobs/{id}/complete`: after uploading the video (`output_key` is the
    /// upload's key), or with the voice a voice job made.
    public struct Completion: Codable, Sendable, Equatable {
        public var workerID: String
        public var outputKey: String?
        public var voice: VoiceProfile?

        public init(workerID: String, outputKey: String? = nil, voice: VoiceProfile? = nil) {
            self.workerID = workerID
            self.outputKey = outputKey
            self.voice = voice
        }

        enum CodingKeys: String, CodingKey {
            case workerID = "worker_id", outputKey = "output_key", voice
        }
    }

    /// `POST /v1/worker/jobs/{id}/fail` with a reason fit for the client, or
    /// `POST /v1/worker/jobs/{id}/release` (no reason) to hand the job back when stopping.
    public struct Failure: Codable, Sendable, Equatable {
        public var workerID: String
        public var error: String?

        public init(workerID: String, error: String?) {
            self.workerID = workerID
            self.error = error
        }

        enum CodingKeys: String, CodingKey {
            case workerID = "worker_id", error
        }
    }

    /// The store's lease owner for a remote worker: bound to the token, so another token cannot
    /// act on the lease.
    public static func owner(tokenID: String, workerID: String) -> String { "remote-\(tokenID)-\(workerID)" }
}
