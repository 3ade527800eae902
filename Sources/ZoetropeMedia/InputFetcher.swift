import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ZoetropeCore

/// Fetches input files (images, voice samples) over HTTP(S): at most 50 MB (enforced while
/// streaming), connect and read timeouts, at most 5 redirects, and every hop checked by the SSRF
/// guard unless private inputs are allowed.
public struct InputFetcher: Sendable {
    public let httpClient: HTTPClient
    public let allowPrivateInputs: Bool
    public let maxBytes: Int
    public let maxRedirects: Int
    public let timeout: TimeAmount

    public init(
        httpClient: HTTPClient, allowPrivateInputs: Bool, maxBytes: Int = MediaInputParser.maxBytes,
        maxRedirects: Int = 5, timeout: TimeAmount = .seconds(60)
    ) {
        self.httpClient = httpClient
        self.allowPrivateInputs = allowPrivateInputs
        self.maxBytes = maxBytes
        self.maxRedirects = maxRedirects
        self.timeout = timeout
    }

    /// The HTTP client configuration fetchers expect: no automatic redirects (each hop is
    /// checked here), 10 s to connect, 30 s between reads.
    public static var clientConfiguration: HTTPClient.Configuration {
        HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10), read: .seconds(30)),
            decompression: .disabled)
    }

    /// Downloads `url`; errors are `RenderError`s whose message starts with `field`.
    public func fetch(_ url: URL, field: String) async throws -> Data {
        var current = url
        for _ in 0...maxRedirects {
            try await checkDestination(current, field: field)
            var request = HTTPClientRequest(url: current.absoluteString)
            request.headers.add(name: "User-Agent", value: "zoetrope/1 (input fetcher)")
            request.headers.add(name: "Accept", value: "image/*, audio/*, video/*, */*;q=0.5")
            let response: HTTPClientResponse
            do {
                response = try await httpClient.execute(request, timeout: timeout)
            } catch {
                throw RenderError("\(field): could not fetch \(current.absoluteString): \(Self.describe(error))")
            }
            let code = Int(response.status.code)
            if (300..<400).contains(code), code != 304 {
                guard let location = response.headers.first(name: "Location"),
                    let next = URL(string: location, relativeTo: current)?.absoluteURL,
                    let scheme = next.scheme?.lowercased(), scheme == "http" || scheme == "https"
                else {
                    throw RenderError("\(field): \(current.absoluteString) redirected (HTTP \(code)) to an invalid location")
                }
                current = next
                continue
            }
            guard (200..<300).contains(code) else {
                throw RenderError("\(field): fetching \(current.absoluteString) failed with HTTP \(code)")
            }
            if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > maxBytes {
                throw RenderError("\(field): the file is \(length / (1024 * 1024)) MB; at most 50 MB is allowed")
            }
            var data = Data()
            do {
                for try await chunk in response.body {
                    if data.count + chunk.readableBytes > maxBytes {
                        throw RenderError("\(field): the file is larger than the 50 MB limit")
                    }
                    data.append(contentsOf: chunk.readableBytesView)
                }
            } catch let error as RenderError {
                throw error
            } catch {
                throw RenderError("\(field): reading \(current.absoluteString) failed: \(Self.describe(error))")
            }
            return data
        }
        throw RenderError("\(field): \(url.absoluteString) redirected more than \(maxRedirects) times")
    }

    /// Refuses (naming `field`) a URL whose host resolves to a non-public address, unless private
    /// inputs are allowed. Webhook targets go through it too.
    public func checkDestination(_ url: URL, field: String) async throws {
        guard !allowPrivateInputs else { return }
        guard let host = url.host, !host.isEmpty else {
            throw RenderError("\(field): \(url.absoluteString) has no host")
        }
        let addresses: [AddressPolicy.Address]
        do {
            addresses = try await ProcessRunner.onDedicatedThread { try AddressPolicy.resolve(host: host) }
        } catch {
            throw RenderError("\(field): \(error)")
        }
        for address in addresses {
            if let reason = AddressPolicy.refusal(for: address) {
                throw RenderError(
                    "\(field): \(host) resolves to \(address), \(reason); only public addresses may be fetched")
            }
        }
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            if error == .readTimeout { return "timed out waiting for data" }
            if error == .connectTimeout { return "timed out connecting" }
            if error == .deadlineExceeded { return "timed out" }
        }
        return String(describing: error)
    }
}
