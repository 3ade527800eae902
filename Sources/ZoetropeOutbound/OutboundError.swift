/// An outbound request that was refused or failed, with the field it was made for and a reason fit
/// to show the client: it names the public facts (the URL's host, a public HTTP status) and never
/// whether an internal address answered.
public struct OutboundError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why an outbound request did not succeed.
    public enum Reason: Error, Sendable, Equatable {
        case notHTTP
        case noHost
        case doesNotResolve
        case notPublic(String)
        case portNotAllowed(Int, allowed: [Int])
        case notReachable
        case httpStatus(Int)
        case badRedirect
        case tooManyRedirects(Int)
        case tooLarge(limit: Int)
        case tookTooLong(seconds: Int)
        case tooSlow(bytesPerSecond: Int)
    }

    public var field: String
    public var host: String
    public var reason: Reason

    public init(field: String, host: String, reason: Reason) {
        self.field = field
        self.host = host
        self.reason = reason
    }

    public var description: String {
        let what: String
        switch reason {
        case .notHTTP: what = "only http and https URLs can be fetched"
        case .noHost: what = "the URL has no host"
        case .doesNotResolve: what = "could not fetch: \(host) does not resolve"
        case .notPublic(let kind):
            what = "\(host) is not a public address (\(kind)); only public addresses may be fetched"
        case .portNotAllowed(let port, let allowed):
            what = "port \(port) may not be fetched; only ports \(allowed.map(String.init).joined(separator: ", ")) are allowed"
        case .notReachable: what = "could not fetch from \(host): not reachable"
        case .httpStatus(let code): what = "could not fetch from \(host): HTTP \(code)"
        case .badRedirect: what = "\(host) redirected to an invalid location"
        case .tooManyRedirects(let count): what = "\(host) redirected more than \(count) times"
        case .tooLarge(let limit): what = "the file is larger than the \(limit / (1024 * 1024)) MB limit"
        case .tookTooLong(let seconds): what = "could not fetch from \(host): took longer than the \(seconds) s limit"
        case .tooSlow(let rate):
            what = "could not fetch from \(host): arrived slower than the minimum of \(rate / 1024) KB/s"
        }
        return "\(field): \(what)"
    }
}
