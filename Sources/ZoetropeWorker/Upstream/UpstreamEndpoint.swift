import Foundation
import ZoetropeCore

/// An upstream the operator configured (`--upstream NAME=BASE_URL`): a hosted Segmind-compatible
/// API (Segmind itself, or another Zoetrope gateway) and the API key this gateway uses there. Its
/// descriptions show the name and base URL, never the key.
public struct UpstreamEndpoint: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public var name: String
    /// The base URL without a version path (`https://api.segmind.com`): `/v2/{slug}` and
    /// `/v2/requests/{id}` are below it.
    public var baseURL: URL
    public var key: UpstreamKey

    public init(name: String, baseURL: URL, key: UpstreamKey = UpstreamKey("")) {
        self.name = name
        self.baseURL = baseURL
        self.key = key
    }

    public var description: String { "\(name) (\(baseURL.absoluteString))" }
    /// The environment variable the key is read from when no key file is given:
    /// `ZOETROPE_UPSTREAM_KEY_<NAME>`, the name in capitals with `-` as `_`.
    public var keyVariable: String { "ZOETROPE_UPSTREAM_KEY_" + name.uppercased().replacingOccurrences(of: "-", with: "_") }
    public var debugDescription: String { description }

    /// Reads `NAME=BASE_URL`: a name of letters, digits, `-` and `_`, and an http(s) URL with a
    /// host (a trailing `/v1` or `/v2`, as SDKs are configured, is dropped). Throws a
    /// `ConfigurationError` saying what is wrong.
    public static func parse(_ text: String) throws -> UpstreamEndpoint {
        let parts = text.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2 else { throw ConfigurationError("'\(text)' is not NAME=BASE_URL") }
        guard ModelRoute.isValidUpstreamName(parts[0]) else {
            throw ConfigurationError("'\(parts[0])' is not an upstream name (1 to 40 letters, digits, - and _)")
        }
        var base = parts[1]
        while base.hasSuffix("/") { base.removeLast() }
        for version in ["/v1", "/v2"] where base.hasSuffix(version) { base.removeLast(version.count) }
        guard let url = URL(string: base), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty, url.query == nil, url.fragment == nil
        else {
            throw ConfigurationError("'\(parts[1])' (upstream \(parts[0])) is not an http(s) base URL such as https://api.segmind.com")
        }
        return UpstreamEndpoint(name: parts[0], baseURL: url)
    }

    /// Whether `url` is on this upstream's own origin (its scheme, host and port), whose links
    /// the gateway trusts as it trusts the base URL.
    func isOwnOrigin(_ url: URL) -> Bool {
        func origin(_ url: URL) -> String {
            let scheme = url.scheme?.lowercased() ?? ""
            return "\(scheme)://\(url.host?.lowercased() ?? ""):\(url.port ?? (scheme == "https" ? 443 : 80))"
        }
        return origin(url) == origin(baseURL)
    }
}

/// An upstream's API key: sent in `x-api-key` and nowhere else; its descriptions and mirror hide it.
public struct UpstreamKey: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let value: String

    public init(_ value: String) { self.value = value.trimmingCharacters(in: .whitespacesAndNewlines) }

    public var isEmpty: Bool { value.isEmpty }
    public var description: String { value.isEmpty ? "(none)" : "(hidden)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [:]) }

    /// `text` with every occurrence of the key replaced, for anything the upstream said that is
    /// passed on to a user or a log.
    public func redacting(_ text: String) -> String {
        value.count < 4 ? text : text.replacingOccurrences(of: value, with: "(hidden)")
    }
}
