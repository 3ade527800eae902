import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOPosix

/// Makes HTTP requests to destinations the outbound policy checked, connecting to a checked
/// address while the Host header, TLS SNI and certificate checks keep the URL's name. No redirect
/// is followed automatically (the caller checks each hop), and bodies are not decompressed.
public struct OutboundClient: Sendable {
    public let policy: OutboundPolicy
    let eventLoopGroup: any EventLoopGroup
    let connectTimeout: TimeAmount
    let readTimeout: TimeAmount

    public init(
        policy: OutboundPolicy, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        connectTimeout: TimeAmount = .seconds(10), readTimeout: TimeAmount = .seconds(30)
    ) {
        self.policy = policy
        self.eventLoopGroup = eventLoopGroup
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
    }

    /// Sends `request` to `destination` and hands the response to `body` while its connection is
    /// open. Each checked address is tried in turn until one answers; a destination with no
    /// addresses (private addresses allowed) is resolved by the HTTP client. Failures to connect or
    /// to read are `OutboundError.Reason.notReachable`, naming `field`.
    public func withResponse<T: Sendable>(
        _ request: HTTPClientRequest, to destination: Destination, field: String, timeout: Duration,
        _ body: @Sendable (HTTPClientResponse) async throws -> T
    ) async throws -> T {
        let candidates: [IPAddress?] = destination.addresses.isEmpty ? [nil] : destination.addresses.map { $0 }
        var lastError: any Error = OutboundError(field: field, host: destination.host, reason: .notReachable)
        for address in candidates {
            var configuration = HTTPClient.Configuration(
                redirectConfiguration: .disallow, timeout: .init(connect: connectTimeout, read: readTimeout),
                decompression: .disabled)
            if let address, IPAddress(destination.host) == nil {
                configuration.dnsOverride = [destination.host: address.description]
            }
            let client = HTTPClient(eventLoopGroup: eventLoopGroup, configuration: configuration)
            let outcome: Result<T, any Error>
            do {
                let response = try await client.execute(request, timeout: .init(timeout))
                outcome = .success(try await body(response))
            } catch {
                outcome = .failure(error)
            }
            try? await client.shutdown()
            switch outcome {
            case .success(let value): return value
            case .failure(let error as OutboundError): throw error
            case .failure(let error) where error is CancellationError || Task.isCancelled: throw error
            case .failure(let error): lastError = error
            }
        }
        if lastError is OutboundError { throw lastError }
        throw OutboundError(field: field, host: destination.host, reason: .notReachable)
    }
}
