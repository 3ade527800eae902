import Foundation

/// Where a job runs on an upstream (a hosted Segmind-compatible API): recorded on the job, under
/// its lease, before the job is submitted there (which pins the job to the upstream's slots), and
/// again with the upstream's request id as soon as the submit answers, so a later attempt (after
/// a restart) polls that request instead of submitting the job twice.
public struct UpstreamRequest: Sendable, Equatable, Codable {
    /// The operator's name for the upstream (`--upstream NAME=BASE_URL`).
    public var upstream: String
    /// The model's slug on the upstream.
    public var slug: String
    /// The upstream's request id; nil while the submit is under way.
    public var requestID: String?
    /// What the upstream reported of the finished request (its times and cost), kept beside the
    /// gateway's own metrics.
    public var metrics: JSONValue?

    public init(upstream: String, slug: String, requestID: String? = nil, metrics: JSONValue? = nil) {
        self.upstream = upstream
        self.slug = slug
        self.requestID = requestID
        self.metrics = metrics
    }

    enum CodingKeys: String, CodingKey {
        case upstream, slug, requestID = "request_id", metrics
    }

    /// The record as the store keeps it (one JSON text column).
    public var storedText: String {
        String(decoding: (try? JSONEncoder().encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// Reads a record the store kept; nil for none (or one that cannot be read).
    public static func stored(_ text: String?) -> UpstreamRequest? {
        text.flatMap { try? JSONDecoder().decode(UpstreamRequest.self, from: Data($0.utf8)) }
    }
}
