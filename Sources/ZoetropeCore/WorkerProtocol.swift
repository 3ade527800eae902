import Foundation

/// The messages of the worker protocol (`/v1/worker/…`, authenticated by a worker token): a
/// worker long-polls for a lease on jobs of the models it serves, heartbeats with progress,
/// uploads its video to the lease's upload link, then completes or fails the job. Version 2:
/// JSON keys are snake_case, the assignment's request is in the public parameter names, and
/// every message's JSON Schema is `jsonSchema` beside its type.
public enum WorkerProtocol {
    /// The protocol version this build speaks (the lease request's and assignment's `protocol_version`).
    public static let version = 2

    /// Why a lease request's `protocol_version` (nil when absent) is refused, or nil when it is spoken.
    public static func versionRefusal(_ value: JSONValue?) -> String? {
        let spoken = "send \"protocol_version\": \(version) (upgrade the worker)"
        switch value {
        case .number(let number) where number == Double(version): return nil
        case nil, .null?: return "worker protocol version 1 is not spoken by this gateway; \(spoken)"
        case .number(let number)? where number.rounded() == number && abs(number) < 1e9:
            return "worker protocol version \(Int(number)) is not spoken by this gateway; \(spoken)"
        case let other?: return "protocol_version must be the integer \(version), got \(other.typeName); \(spoken)"
        }
    }

    /// `POST /v1/worker/lease`.
    public struct LeaseRequest: Codable, Sendable, Equatable {
        /// Always `WorkerProtocol.version`; a lease without it (version 1) or with another is refused.
        public var protocolVersion: Int
        /// Stable for the worker process (one per render slot).
        public var workerID: String
        public var models: [String]
        /// How long to hold the request open when no job is waiting, in seconds (at most 30).
        public var waitSeconds: Double?

        public init(workerID: String, models: [String], waitSeconds: Double? = nil, protocolVersion: Int = WorkerProtocol.version) {
            self.protocolVersion = protocolVersion
            self.workerID = workerID
            self.models = models
            self.waitSeconds = waitSeconds
        }

        enum CodingKeys: String, CodingKey {
            case protocolVersion = "protocol_version", workerID = "worker_id", models, waitSeconds = "wait_seconds"
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

    /// The answer to a lease: one job, validated, in the public parameter names, with signed links
    /// to the inputs the gateway stores.
    public struct Assignment: Codable, Sendable, Equatable {
        /// Always `WorkerProtocol.version`.
        public var protocolVersion: Int
        public var id: String
        public var model: String
        /// 1 for the first try; more when an earlier worker's lease expired.
        public var attempt: Int
        /// Heartbeat well within this many seconds, or the job goes back to the queue.
        public var leaseSeconds: Double
        /// Unix time, seconds.
        public var leaseExpiresAt: Double
        /// The validated request as a client would send it, every default filled in and every input
        /// a URL (`JobRequest.publicParameters`): the gateway's signed links for the inputs it
        /// stores, the client's own URLs otherwise.
        public var request: JSONValue
        /// The field paths of `request` that hold a gateway link (`start_image_url`,
        /// `elements[0].reference_image_urls[1]`, `voice_url`), each to that same link: fetched
        /// as they are, where the other URLs are the client's and fetched behind the private-address guard.
        public var inputs: [String: String]
        /// The voice profiles of `request`'s `voice_ids`, in the same order (empty for a voice job).
        public var voices: [Voice]
        /// Where the video goes (video models only).
        public var upload: Upload?

        public init(
            id: String, model: String, attempt: Int, leaseSeconds: Double, leaseExpiresAt: Double, request: JSONValue,
            inputs: [String: String], voices: [Voice] = [], upload: Upload?, protocolVersion: Int = WorkerProtocol.version
        ) {
            self.protocolVersion = protocolVersion
            self.id = id
            self.model = model
            self.attempt = attempt
            self.leaseSeconds = leaseSeconds
            self.leaseExpiresAt = leaseExpiresAt
            self.request = request
            self.inputs = inputs
            self.voices = voices
            self.upload = upload
        }

        enum CodingKeys: String, CodingKey {
            case protocolVersion = "protocol_version", id, model, attempt, leaseSeconds = "lease_seconds",
                leaseExpiresAt = "lease_expires_at", request, inputs, voices, upload
        }

        /// The assignment of `job`: its request in public names with each stored input rendered
        /// as the link `link` gives for its name, and its resolved voices.
        public static func make(
            job: Job, leaseSeconds: Double, leaseExpiresAt: Double, upload: Upload?, link: (_ storedName: String) -> String
        ) -> Assignment {
            var inputs: [String: String] = [:]
            let request = job.request.publicParameters { field, input in
                switch input {
                case .remote(let url): return .string(url.absoluteString)
                case .inline(let data): return .string("data:application/octet-stream;base64,\(data.base64EncodedString())")
                case .stored(let name):
                    let url = link(name)
                    inputs[field] = url
                    return .string(url)
                }
            }
            return Assignment(
                id: job.id, model: job.model, attempt: job.attempts, leaseSeconds: leaseSeconds,
                leaseExpiresAt: leaseExpiresAt, request: request, inputs: inputs,
                voices: (job.request.video?.voices ?? []).map(Voice.init), upload: upload)
        }

        /// The job's request read back with the public parsers, each field listed in `inputs` as a
        /// stored input (named after its field path), with `voices` set; and the link to fetch
        /// each stored name from.
        public func jobRequest() async throws -> (request: JobRequest, downloads: [String: String]) {
            guard protocolVersion == WorkerProtocol.version else {
                throw InvalidRequest(field: "protocol_version", message: "the assignment speaks worker protocol version \(protocolVersion), not \(WorkerProtocol.version)")
            }
            var parsed = try await JobRequest.parsePublic(request)
            var downloads: [String: String] = [:]
            parsed = parsed.mappingInputs { field, input in
                guard let link = inputs[field] else { return input }
                let name = Assignment.storedName(field: field)
                downloads[name] = link
                return .stored(name)
            }
            let unmatched = Set(inputs.keys).subtracting(parsed.inputs.map { $0.field })
            if !unmatched.isEmpty {
                throw InvalidRequest(field: "inputs", message: "inputs names field(s) the request does not hold: \(unmatched.sorted().joined(separator: ", "))")
            }
            if case .video(var video) = parsed {
                video.voices = voices.map(\.profile)
                parsed = .video(video)
            }
            return (parsed, downloads)
        }

        /// The input file name a field path's download is stored under (a valid `BlobKey`).
        public static func storedName(field: String) -> String {
            "input-" + String(field.map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) ? $0 : "_" })
        }
    }

    /// A voice profile on the wire (`VoiceProfile` with explicit snake_case keys): a resolved
    /// voice of an assignment, or the voice a voice job made.
    public struct Voice: Codable, Sendable, Equatable {
        /// Set by the gateway (a worker's completion may leave it out).
        public var id: String?
        public var name: String
        /// The API key the voice belongs to; set by the gateway.
        public var apiKeyID: String?
        public var pitchHz: Double
        public var syllablesPerSecond: Double
        public var espeakVariant: String
        public var espeakPitch: Int
        public var wordsPerMinute: Int
        /// Unix time, seconds; set by the gateway.
        public var createdAt: Double?

        public init(_ profile: VoiceProfile) {
            id = profile.id
            name = profile.name
            apiKeyID = profile.apiKeyID
            pitchHz = profile.pitchHz
            syllablesPerSecond = profile.syllablesPerSecond
            espeakVariant = profile.espeakVariant
            espeakPitch = profile.espeakPitch
            wordsPerMinute = profile.wordsPerMinute
            createdAt = profile.createdAt.timeIntervalSince1970
        }

        /// The profile, with empty id and owner and the current time where they are absent.
        public var profile: VoiceProfile {
            VoiceProfile(
                id: id ?? "", name: name, apiKeyID: apiKeyID ?? "", pitchHz: pitchHz,
                syllablesPerSecond: syllablesPerSecond, espeakVariant: espeakVariant, espeakPitch: espeakPitch,
                wordsPerMinute: wordsPerMinute, createdAt: createdAt.map { Date(timeIntervalSince1970: $0) } ?? Date())
        }

        enum CodingKeys: String, CodingKey {
            case id, name, apiKeyID = "api_key_id", pitchHz = "pitch_hz", syllablesPerSecond = "syllables_per_second",
                espeakVariant = "espeak_variant", espeakPitch = "espeak_pitch", wordsPerMinute = "words_per_minute",
                createdAt = "created_at"
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
        public var voice: Voice?
        /// Where the render's time went, seconds by stage (optional): the result's `metrics.stages`.
        public var stages: [String: Double]?

        public init(workerID: String, outputKey: String? = nil, voice: Voice? = nil, stages: [String: Double]? = nil) {
            self.workerID = workerID
            self.outputKey = outputKey
            self.voice = voice
            self.stages = stages
        }

        public init(workerID: String, voice: VoiceProfile) {
            self.init(workerID: workerID, voice: Voice(voice))
        }

        enum CodingKeys: String, CodingKey {
            case workerID = "worker_id", outputKey = "output_key", voice, stages
        }

        /// `stages` as a job keeps them (`StageTimes.json(_:)`): bad entries dropped; nil when none is left.
        public func stageTimes() -> JSONValue? {
            stages.flatMap(StageTimes.json)
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

    /// The answer to a heartbeat: the lease's new expiry.
    public struct LeaseExtension: Codable, Sendable, Equatable {
        /// Unix time, seconds.
        public var leaseExpiresAt: Double
        public var leaseSeconds: Double

        public init(leaseExpiresAt: Double, leaseSeconds: Double) {
            self.leaseExpiresAt = leaseExpiresAt
            self.leaseSeconds = leaseSeconds
        }

        enum CodingKeys: String, CodingKey {
            case leaseExpiresAt = "lease_expires_at", leaseSeconds = "lease_seconds"
        }
    }

    /// The answer to a completion, failure or hand-back: the job's state after it.
    public struct JobState: Codable, Sendable, Equatable {
        public var id: String
        /// A `JobStatus` raw value (`COMPLETED`, `FAILED`, `QUEUED`).
        public var status: String

        public init(id: String, status: JobStatus) {
            self.id = id
            self.status = status.rawValue
        }
    }

    /// The store's lease owner for a remote worker: bound to the token, so another token cannot
    /// act on the lease.
    public static func owner(tokenID: String, workerID: String) -> String { "remote-\(tokenID)-\(workerID)" }
}
