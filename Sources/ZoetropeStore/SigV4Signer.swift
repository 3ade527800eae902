import Crypto
import Foundation
import ZoetropeCore

/// Signs S3 requests with AWS Signature Version 4: an `Authorization` header for requests the
/// server makes itself, or query parameters for presigned links handed to clients.
/// The signing date is a parameter so that results are reproducible.
public struct SigV4Signer: Sendable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    public var region: String
    public var service: String

    /// The payload hash presigned links use (and requests whose body is not hashed).
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// SHA-256 of no bytes.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    /// The longest a presigned link may live (seven days).
    public static let maximumExpiry = 604_800

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, region: String, service: String = "s3") {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.region = region
        self.service = service
    }

    /// The headers to add to a request so S3 accepts it: `Authorization`, `x-amz-date`,
    /// `x-amz-content-sha256` and, with a session token, `x-amz-security-token`.
    /// `headers` are the request's other headers that should be signed (e.g. `Range`, `Content-Type`);
    /// `host` is derived from `url` and always signed. `payloadHash` is the body's SHA-256 in
    /// lowercase hex (or `UNSIGNED-PAYLOAD`).
    public func signedHeaders(
        method: String, url: URL, headers: [(name: String, value: String)] = [], payloadHash: String, date: Date
    ) -> [(name: String, value: String)] {
        let stamp = Self.timestamp(date)
        var added: [(name: String, value: String)] = [("x-amz-date", stamp), ("x-amz-content-sha256", payloadHash)]
        if let sessionToken { added.append(("x-amz-security-token", sessionToken)) }

        var canonical: [String: String] = ["host": Self.hostHeader(url)]
        for (name, value) in headers + added {
            let key = name.lowercased()
            let trimmed = Self.normalizedHeaderValue(value)
            canonical[key] = canonical[key].map { "\($0),\(trimmed)" } ?? trimmed
        }
        let names = canonical.keys.sorted()
        let signedHeaderList = names.joined(separator: ";")
        let canonicalRequest = [
            method.uppercased(),
            Self.canonicalURI(url),
            Self.canonicalQuery(Self.queryPairs(url)),
            names.map { "\($0):\(canonical[$0]!)\n" }.joined(),
            signedHeaderList,
            payloadHash,
        ].joined(separator: "\n")
        let signature = self.signature(canonicalRequest: canonicalRequest, timestamp: stamp)
        let authorization = "AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(scope(stamp)),SignedHeaders=\(signedHeaderList),Signature=\(signature)"
        return [("Authorization", authorization)] + added
    }

    /// A presigned link for `method` on `url` valid for `expires` seconds from `date`
    /// (clamped to 1…604800); only `host` is signed and the payload is `UNSIGNED-PAYLOAD`.
    public func presignedURL(method: String, url: URL, expires: Int, date: Date) -> String {
        let stamp = Self.timestamp(date)
        var query = Self.queryPairs(url)
        query.append(("X-Amz-Algorithm", "AWS4-HMAC-SHA256"))
        query.append(("X-Amz-Credential", "\(accessKeyID)/\(scope(stamp))"))
        query.append(("X-Amz-Date", stamp))
        query.append(("X-Amz-Expires", String(min(max(expires, 1), Self.maximumExpiry))))
        if let sessionToken { query.append(("X-Amz-Security-Token", sessionToken)) }
        query.append(("X-Amz-SignedHeaders", "host"))
        let host = Self.hostHeader(url)
        let canonicalQuery = Self.canonicalQuery(query)
        let canonicalRequest = [
            method.uppercased(),
            Self.canonicalURI(url),
            canonicalQuery,
            "host:\(host)\n",
            "host",
            Self.unsignedPayload,
        ].joined(separator: "\n")
        let signature = self.signature(canonicalRequest: canonicalRequest, timestamp: stamp)
        return "\(url.scheme ?? "https")://\(host)\(Self.canonicalURI(url))?\(canonicalQuery)&X-Amz-Signature=\(signature)"
    }

    // MARK: - Pieces of the algorithm

    /// `yyyyMMdd'T'HHmmss'Z'` in UTC.
    public static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(c.year, 4))\(pad(c.month, 2))\(pad(c.day, 2))T\(pad(c.hour, 2))\(pad(c.minute, 2))\(pad(c.second, 2))Z"
    }

    /// Percent-encodes everything outside RFC 3986's unreserved set (`A-Z a-z 0-9 - . _ ~`);
    /// with `keepSlash`, `/` is left as is (for paths).
    public static func encode(_ text: String, keepSlash: Bool = false) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepSlash:
                result.append("/")
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                result.unicodeScalars.append("%")
                result.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                result.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0x0F)]))
            }
        }
        return result
    }

    /// The URL's path, each segment decoded once and encoded again (S3 encodes once, never twice); `/` when empty.
    public static func canonicalURI(_ url: URL) -> String {
        let raw = URLComponents(url: url, resolvingAgainstBaseURL: false)?.percentEncodedPath ?? ""
        if raw.isEmpty { return "/" }
        return raw.split(separator: "/", omittingEmptySubsequences: false)
            .map { segment in encode(String(segment).removingPercentEncoding ?? String(segment)) }
            .joined(separator: "/")
    }

    /// Name/value pairs of the URL's query, decoded.
    static func queryPairs(_ url: URL) -> [(String, String)] {
        guard let query = URLComponents(url: url, resolvingAgainstBaseURL: false)?.percentEncodedQuery, !query.isEmpty else {
            return []
        }
        return query.split(separator: "&").map { item in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            return (name, value)
        }
    }

    /// `name=value` pairs encoded and sorted by encoded name, then value, joined with `&`.
    public static func canonicalQuery(_ pairs: [(String, String)]) -> String {
        let encoded: [(name: String, value: String)] = pairs.map { (encode($0.0), encode($0.1)) }
        let sorted = encoded.sorted { a, b in a.name == b.name ? a.value < b.value : a.name < b.name }
        return sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// The `Host` header an HTTP client sends for `url`: the host, with the port when it is not the scheme's default.
    public static func hostHeader(_ url: URL) -> String {
        var host = url.host ?? ""
        if host.contains(":") && !host.hasPrefix("[") { host = "[\(host)]" }
        guard let port = url.port else { return host }
        let scheme = url.scheme?.lowercased()
        if (scheme == "http" && port == 80) || (scheme == "https" && port == 443) { return host }
        return "\(host):\(port)"
    }

    static func normalizedHeaderValue(_ value: String) -> String {
        value.trimmingCharacters(in: .whitespaces)
            .split(separator: " ", omittingEmptySubsequences: true)
            .joined(separator: " ")
    }

    /// Lowercase hex SHA-256 of `data`.
    public static func sha256Hex<D: DataProtocol>(_ data: D) -> String {
        Hex.string(SHA256.hash(data: data))
    }

    private func scope(_ timestamp: String) -> String {
        "\(timestamp.prefix(8))/\(region)/\(service)/aws4_request"
    }

    private func signature(canonicalRequest: String, timestamp: String) -> String {
        let stringToSign = [
            "AWS4-HMAC-SHA256",
            timestamp,
            scope(timestamp),
            Self.sha256Hex(Data(canonicalRequest.utf8)),
        ].joined(separator: "\n")
        var key = SymmetricKey(data: Data("AWS4\(secretAccessKey)".utf8))
        for part in [String(timestamp.prefix(8)), region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return Hex.string(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
    }
}
