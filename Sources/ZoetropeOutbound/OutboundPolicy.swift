import Foundation

/// The rules every outbound request of the gateway and its workers follows (input fetches, each
/// redirect hop, webhooks): http(s) only; a host whose every address is public, connected to at an
/// address that was checked (so a second DNS answer cannot send it elsewhere); ports 80 and 443
/// unless the operator allows more; a total deadline and a minimum transfer rate per fetch.
/// `allowPrivate` (a trusted network) lifts the address and port rules.
public struct OutboundPolicy: Sendable {
    /// The ports every policy allows.
    public static let defaultPorts = [80, 443]

    public var allowPrivate: Bool
    /// Ports allowed besides 80 and 443.
    public var extraPorts: [Int]
    /// Connect, headers and body of one fetch (all its redirect hops) together.
    public var fetchTimeout: Duration
    /// The least average rate a response body may arrive at, in bytes a second, once `rateGrace`
    /// has passed since it began.
    public var minimumRate: Int
    public var rateGrace: Duration

    public init(
        allowPrivate: Bool = false, extraPorts: [Int] = [], fetchTimeout: Duration = .seconds(60),
        minimumRate: Int = 16 * 1024, rateGrace: Duration = .seconds(10)
    ) {
        self.allowPrivate = allowPrivate
        self.extraPorts = extraPorts
        self.fetchTimeout = fetchTimeout
        self.minimumRate = minimumRate
        self.rateGrace = rateGrace
    }

    /// Every allowed port, in order.
    public var allowedPorts: [Int] { Array(Set(Self.defaultPorts + extraPorts)).sorted() }

    /// Checks `url` for a request made for `field`: its scheme, port and every address its host
    /// resolves to. The destination holds the checked addresses to connect to.
    public func destination(for url: URL, field: String) async throws -> Destination {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw OutboundError(field: field, host: url.host ?? "", reason: .notHTTP)
        }
        guard let host = url.host, !host.isEmpty else {
            throw OutboundError(field: field, host: "", reason: .noHost)
        }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        if allowPrivate { return Destination(url: url, host: host, port: port, addresses: []) }
        guard allowedPorts.contains(port) else {
            throw OutboundError(field: field, host: host, reason: .portNotAllowed(port, allowed: allowedPorts))
        }
        let addresses: [IPAddress]
        do {
            addresses = try await HostResolver.resolve(host)
        } catch {
            throw OutboundError(field: field, host: host, reason: .doesNotResolve)
        }
        for address in addresses {
            if let kind = AddressPolicy.refusal(for: address) {
                throw OutboundError(field: field, host: host, reason: .notPublic(kind))
            }
        }
        return Destination(url: url, host: host, port: port, addresses: addresses)
    }
}

/// A URL that passed the outbound policy, with the addresses it was checked at (empty when the
/// policy allows private addresses, and the HTTP client resolves the name itself).
public struct Destination: Sendable {
    public let url: URL
    public let host: String
    public let port: Int
    public let addresses: [IPAddress]
}
