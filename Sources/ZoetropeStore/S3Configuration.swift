import Foundation

/// Where an S3-compatible blob store lives and how to reach it: bucket, key prefix, endpoint,
/// region, credentials and addressing style. Its description never shows the secret.
public struct S3Configuration: Sendable, CustomStringConvertible {
    /// Access key, secret and optional session token.
    public struct Credentials: Sendable, CustomStringConvertible {
        public var accessKeyID: String
        public var secretAccessKey: String
        public var sessionToken: String?

        public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
            self.accessKeyID = accessKeyID
            self.secretAccessKey = secretAccessKey
            self.sessionToken = sessionToken
        }

        public var description: String {
            "\(accessKeyID) (secret hidden\(sessionToken == nil ? "" : ", with session token"))"
        }
    }

    public var bucket: String
    /// Prepended to every key with a `/`; no leading or trailing slash; may be empty.
    public var prefix: String
    /// Where the server sends its own requests, e.g. `https://s3.eu-west-1.amazonaws.com` or `http://minio:9000`.
    public var endpoint: URL
    /// Used instead of `endpoint` for presigned links handed to clients, when they cannot reach `endpoint`.
    public var publicEndpoint: URL?
    public var region: String
    public var credentials: Credentials
    /// `https://host/bucket/key` when true, `https://bucket.host/key` when false.
    public var pathStyle: Bool

    public init(
        bucket: String, prefix: String = "", endpoint: URL, publicEndpoint: URL? = nil, region: String,
        credentials: Credentials, pathStyle: Bool
    ) {
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint = endpoint
        self.publicEndpoint = publicEndpoint
        self.region = region
        self.credentials = credentials
        self.pathStyle = pathStyle
    }

    public var description: String {
        let place = prefix.isEmpty ? bucket : "\(bucket)/\(prefix)"
        let publicPart = publicEndpoint.map { ", public endpoint \($0.absoluteString)" } ?? ""
        return "s3://\(place) at \(endpoint.absoluteString)\(publicPart) (\(region), \(pathStyle ? "path" : "virtual-host") style, key \(credentials))"
    }

    /// Reads `s3://bucket/optional/prefix` and the environment:
    /// `ZOETROPE_S3_ENDPOINT` (else `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`, else `https://s3.<region>.amazonaws.com`),
    /// `ZOETROPE_S3_PUBLIC_ENDPOINT`, `AWS_REGION` (else `AWS_DEFAULT_REGION`, else `us-east-1`),
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` (required), `AWS_SESSION_TOKEN`, and
    /// `ZOETROPE_S3_ADDRESSING` (`path` or `virtual`; default virtual for amazonaws.com, path otherwise).
    /// Empty variables count as unset.
    public static func parse(blobURL: String, environment: [String: String]) throws -> S3Configuration {
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }

        let scheme = "s3://"
        guard blobURL.lowercased().hasPrefix(scheme) else {
            throw S3ConfigurationError("the blob URL '\(blobURL)' must start with s3:// (s3://bucket/optional/prefix)")
        }
        var rest = Substring(blobURL.dropFirst(scheme.count))
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        if rest.contains("?") || rest.contains("#") {
            throw S3ConfigurationError("the blob URL '\(blobURL)' must not have a query or fragment")
        }
        let parts = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let bucket = String(parts.first ?? "")
        guard isValidBucketName(bucket) else {
            throw S3ConfigurationError(
                "the bucket '\(bucket)' in the blob URL '\(blobURL)' is not a valid S3 bucket name (3-63 lowercase letters, digits, '.' and '-')"
            )
        }
        let prefix = parts.count > 1 ? String(parts[1]) : ""
        if !prefix.isEmpty {
            let segments = prefix.split(separator: "/", omittingEmptySubsequences: false)
            let bad = segments.contains { $0.isEmpty || $0 == "." || $0 == ".." }
                || prefix.unicodeScalars.contains { $0.properties.generalCategory == .control }
            if bad {
                throw S3ConfigurationError("the prefix '\(prefix)' in the blob URL '\(blobURL)' has an empty, '.' or '..' segment or a control character")
            }
        }

        let region = value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") ?? "us-east-1"
        let regionVariable = value("AWS_REGION") != nil ? "AWS_REGION" : "AWS_DEFAULT_REGION"
        guard !region.isEmpty, region.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) else {
            throw S3ConfigurationError("\(regionVariable) '\(region)' is not a region name (e.g. us-east-1)")
        }

        let endpointVariable = ["ZOETROPE_S3_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"].first { value($0) != nil }
        let endpoint: URL
        if let endpointVariable {
            endpoint = try parseEndpoint(value(endpointVariable)!, variable: endpointVariable)
        } else {
            endpoint = URL(string: "https://s3.\(region).amazonaws.com")!
        }
        let publicEndpoint = try value("ZOETROPE_S3_PUBLIC_ENDPOINT").map {
            try parseEndpoint($0, variable: "ZOETROPE_S3_PUBLIC_ENDPOINT")
        }

        guard let accessKeyID = value("AWS_ACCESS_KEY_ID") else {
            throw S3ConfigurationError("AWS_ACCESS_KEY_ID is not set (needed for the S3 blob store \(blobURL))")
        }
        guard let secret = value("AWS_SECRET_ACCESS_KEY") else {
            throw S3ConfigurationError("AWS_SECRET_ACCESS_KEY is not set (needed for the S3 blob store \(blobURL))")
        }
        let credentials = Credentials(accessKeyID: accessKeyID, secretAccessKey: secret, sessionToken: value("AWS_SESSION_TOKEN"))

        let pathStyle: Bool
        switch value("ZOETROPE_S3_ADDRESSING")?.lowercased() {
        case nil:
            let host = endpoint.host?.lowercased() ?? ""
            pathStyle = !(host == "amazonaws.com" || host.hasSuffix(".amazonaws.com"))
        case "path": pathStyle = true
        case "virtual": pathStyle = false
        case let other?:
            throw S3ConfigurationError("ZOETROPE_S3_ADDRESSING '\(other)' must be 'path' or 'virtual'")
        }

        return S3Configuration(
            bucket: bucket, prefix: prefix, endpoint: endpoint, publicEndpoint: publicEndpoint, region: region,
            credentials: credentials, pathStyle: pathStyle)
    }

    /// S3's rules for bucket names: 3–63 characters of lowercase letters, digits, `.` and `-`,
    /// starting and ending with a letter or digit, no `..`.
    public static func isValidBucketName(_ name: String) -> Bool {
        guard (3...63).contains(name.count), !name.contains("..") else { return false }
        let alnum: (Character) -> Bool = { $0.isASCII && ($0.isLowercase || $0.isNumber) }
        guard let first = name.first, let last = name.last, alnum(first), alnum(last) else { return false }
        return name.allSatisfy { alnum($0) || $0 == "-" || $0 == "." }
    }

    private static func parseEndpoint(_ text: String, variable: String) throws -> URL {
        var trimmed = text
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else {
            throw S3ConfigurationError("\(variable) '\(text)' is not an http:// or https:// URL with a host")
        }
        guard url.path.isEmpty || url.path == "/", url.query == nil, url.fragment == nil, url.user == nil else {
            throw S3ConfigurationError("\(variable) '\(text)' must be scheme://host[:port] only, without a path, query or user")
        }
        return url
    }
}

/// A bad S3 blob store setting; the message names the variable or the part of the blob URL.
public struct S3ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
