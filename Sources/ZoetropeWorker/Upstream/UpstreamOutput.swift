import Foundation
import ZoetropeCore
import ZoetropeMedia

/// Takes a finished upstream request's video into the job's output file at once (hosted links
/// expire): the result's `output` read as a media reference (a link, or inline base64); a link on
/// the upstream's own origin is fetched as the base URL is trusted, any other under the gateway's
/// outbound policy; what arrives must be a playable video. Also picks the upstream's metrics the
/// job keeps.
public struct UpstreamOutput: Sendable {
    /// Fetches links on the upstream's own origin (any address and port, as its base URL).
    let trusted: InputFetcher
    /// Fetches every other link, under the gateway's outbound policy.
    let policed: InputFetcher

    public init(trusted: InputFetcher, policed: InputFetcher) {
        self.trusted = trusted
        self.policed = policed
    }

    /// Writes the video `result` (the upstream's result body) holds into `file`.
    func take(from result: JSONValue, upstream: UpstreamEndpoint, to file: URL) async throws {
        guard var reference = Self.reference(in: result["output"]) else {
            throw RenderError(UpstreamReason.prefix + "the finished request's result holds no output video")
        }
        // A path alone is on the upstream's own origin.
        if reference.hasPrefix("/"), let absolute = URL(string: reference, relativeTo: upstream.baseURL) {
            reference = absolute.absoluteString
        }
        let data: Data
        do {
            switch try MediaInputParser.parse(.string(reference), field: "output", kind: "the video") {
            case .remote(let url):
                data = try await (upstream.isOwnOrigin(url) ? trusted : policed).fetch(url, field: "output")
            case .inline(let bytes):
                data = bytes
            case .stored:
                throw RenderError("output: is neither a link nor inline data")
            }
        } catch let error as RenderError {
            throw RenderError(UpstreamReason.prefix + error.message)
        } catch let error as InvalidRequest {
            throw RenderError(UpstreamReason.prefix + error.message)
        }
        try data.write(to: file)
        let probe = try? await ProcessRunner.onDedicatedThread { try MediaProbe.probe(file, countingFrames: false) }
        guard probe?.video != nil else {
            throw RenderError(UpstreamReason.prefix + "the finished request's output is not a playable video")
        }
    }

    /// The link or inline data of an `output`: the string itself, the first usable string of a
    /// list, or of an object its `video`, `video_url`, `url` or `output` (then any string field).
    static func reference(in output: JSONValue?) -> String? {
        switch output {
        case .string(let text)?: return text.isEmpty ? nil : text
        case .array(let items)?: return items.lazy.compactMap { reference(in: $0) }.first
        case .object(let fields)?:
            for name in ["video", "video_url", "url", "output"] {
                if let found = reference(in: fields[name]) { return found }
            }
            return fields.keys.sorted().lazy.compactMap { reference(in: fields[$0]) }.first
        default: return nil
        }
    }

    /// The upstream's timings and cost from its result's `metrics` (`queue_time`,
    /// `inference_time`, `total_time`, `cost`, whichever it gives), and nothing else it reports
    /// (a balance left, say, is the operator's account).
    static func metrics(of result: JSONValue) -> JSONValue? {
        guard case .object(let reported)? = result["metrics"] else { return nil }
        let kept = reported.filter { ["queue_time", "inference_time", "total_time", "cost"].contains($0.key) && $0.value.numberValue != nil }
        return kept.isEmpty ? nil : .object(kept)
    }
}
