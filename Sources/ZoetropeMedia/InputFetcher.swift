import AsyncHTTPClient
import Foundation
import NIOCore
import ZoetropeCore
import ZoetropeOutbound

/// Fetches input files (images, voice samples) over HTTP(S) under the outbound policy: at most
/// 50 MB (enforced while streaming), at most 5 redirects, every hop checked and connected to at
/// its checked address, and the whole fetch within the policy's deadline and minimum rate.
public struct InputFetcher: Sendable {
    public let client: OutboundClient
    public let maxBytes: Int
    public let maxRedirects: Int

    public init(client: OutboundClient, maxBytes: Int = MediaInputParser.maxBytes, maxRedirects: Int = 5) {
        self.client = client
        self.maxBytes = maxBytes
        self.maxRedirects = maxRedirects
    }

    /// A fetcher with its own outbound client for `policy`.
    public init(policy: OutboundPolicy) {
        self.init(client: OutboundClient(policy: policy))
    }

    public var policy: OutboundPolicy { client.policy }

    /// Downloads `url`; errors are `RenderError`s whose message starts with `field`.
    public func fetch(_ url: URL, field: String) async throws -> Data {
        do {
            return try await fetchChecked(url, field: field)
        } catch let error as OutboundError {
            throw RenderError(error.description)
        }
    }

    private func fetchChecked(_ url: URL, field: String) async throws -> Data {
        let client = self.client, maxBytes = self.maxBytes, maxRedirects = self.maxRedirects
        return try await client.policy.withTransferLimits(field: field, host: url.host ?? "") { meter in
            var current = url
            for _ in 0...maxRedirects {
                let destination = try await client.policy.destination(for: current, field: field)
                let hopURL = current
                var request = HTTPClientRequest(url: hopURL.absoluteString)
                request.headers.add(name: "User-Agent", value: "zoetrope/1 (input fetcher)")
                request.headers.add(name: "Accept", value: "image/*, audio/*, video/*, */*;q=0.5")
                let hop: Hop = try await client.withResponse(
                    request, to: destination, field: field, timeout: client.policy.fetchTimeout
                ) { response in
                    let host = destination.host
                    let code = Int(response.status.code)
                    if (300..<400).contains(code), code != 304 {
                        guard let location = response.headers.first(name: "Location"),
                            let next = URL(string: location, relativeTo: hopURL)?.absoluteURL
                        else { throw OutboundError(field: field, host: host, reason: .badRedirect) }
                        return .redirect(next)
                    }
                    guard (200..<300).contains(code) else {
                        throw OutboundError(field: field, host: host, reason: .httpStatus(code))
                    }
                    if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > maxBytes {
                        throw OutboundError(field: field, host: host, reason: .tooLarge(limit: maxBytes))
                    }
                    meter.bodyBegan()
                    var data = Data()
                    do {
                        for try await chunk in response.body {
                            if data.count + chunk.readableBytes > maxBytes {
                                throw OutboundError(field: field, host: host, reason: .tooLarge(limit: maxBytes))
                            }
                            data.append(contentsOf: chunk.readableBytesView)
                            meter.received(chunk.readableBytes)
                        }
                    } catch let error as OutboundError {
                        throw error
                    } catch where !(error is CancellationError) {
                        throw OutboundError(field: field, host: host, reason: .notReachable)
                    }
                    return .data(data)
                }
                switch hop {
                case .data(let data): return data
                case .redirect(let next): current = next
                }
            }
            throw OutboundError(field: field, host: url.host ?? "", reason: .tooManyRedirects(maxRedirects))
        }
    }

    /// One hop of a fetch: the body, or where the server redirected to.
    private enum Hop: Sendable {
        case data(Data)
        case redirect(URL)
    }
}
