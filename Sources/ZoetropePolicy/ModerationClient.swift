import AsyncHTTPClient
import Foundation
import NIOCore

/// Asks an operator's moderation service about a request, in the shape of OpenAI's
/// `/v1/moderations`: a POST of `{"input": [{"type": "text", "text": …}, {"type": "image_url",
/// "image_url": {"url": …}}]}`, answered with `{"results": [{"flagged": …, "categories": {…}}]}`.
/// With one result per part, a flag names the part's field; with one result for all, the
/// request as a whole.
public struct ModerationClient: Sendable {
    public var url: URL
    /// Sent as `Authorization: Bearer …` when set.
    public var apiKey: String?
    /// The longest the service may take to answer.
    public var timeout: Duration
    let httpClient: HTTPClient

    public init(url: URL, apiKey: String?, timeout: Duration, httpClient: HTTPClient = .shared) {
        self.url = url
        self.apiKey = apiKey
        self.timeout = timeout
        self.httpClient = httpClient
    }

    /// One part of what is asked about: a text, or a link to an image, and the request field it
    /// came from.
    public enum Part: Sendable, Equatable {
        case text(String, field: String)
        case image(url: String, field: String)

        var field: String {
            switch self {
            case .text(_, let field), .image(_, let field): field
            }
        }

        var json: [String: Any] {
            switch self {
            case .text(let text, _): ["type": "text", "text": text]
            case .image(let url, _): ["type": "image_url", "image_url": ["url": url]]
            }
        }
    }

    /// The service's verdict: nil when nothing is flagged, else the first flagged category and
    /// the field it was found in. Throws `ModerationUnavailable` when the service does not
    /// answer in time or answers something else than a moderation result.
    public func check(_ parts: [Part]) async throws -> (category: String, field: String)? {
        guard !parts.isEmpty else { return nil }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        let body = try JSONSerialization.data(withJSONObject: ["input": parts.map(\.json)])
        request.body = .bytes(ByteBuffer(bytes: body))
        let answer: Data
        do {
            let response = try await httpClient.execute(request, timeout: TimeAmount(timeout))
            let bytes = try await response.body.collect(upTo: 4 << 20)
            guard (200..<300).contains(response.status.code) else {
                throw ModerationUnavailable(reason: "it answered HTTP \(response.status.code)")
            }
            answer = Data(bytes.readableBytesView)
        } catch let error as ModerationUnavailable {
            throw error
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw ModerationUnavailable(reason: "it did not answer within \(timeout)")
        } catch {
            throw ModerationUnavailable(reason: "it could not be reached (\(error))")
        }
        guard let object = try? JSONSerialization.jsonObject(with: answer) as? [String: Any],
            let results = object["results"] as? [[String: Any]], !results.isEmpty
        else {
            throw ModerationUnavailable(reason: "its answer has no results")
        }
        for (index, result) in results.enumerated() where (result["flagged"] as? Bool) == true {
            let categories = (result["categories"] as? [String: Any]) ?? [:]
            let category = categories.keys.sorted().first { (categories[$0] as? Bool) == true } ?? "flagged"
            let field = results.count == parts.count ? parts[index].field : "request"
            return (category, field)
        }
        return nil
    }
}
