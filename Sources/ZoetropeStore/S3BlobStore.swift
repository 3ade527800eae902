import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import ZoetropeCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Inputs and finished videos in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2…), signed with
/// Signature Version 4. Clients fetch and upload through presigned links; temporary files live in a
/// local scratch directory until committed.
public final class S3BlobStore: BlobStore {
    public let configuration: S3Configuration
    public let scratchDirectory: URL
    let httpClient: HTTPClient
    let signer: SigV4Signer

    /// The default `requestTimeout`.
    public static let defaultRequestTimeout: Duration = .seconds(60)
    /// Timeout of one request without a large body (an upload gets a second more per 512 KiB).
    let requestTimeout: TimeAmount
    /// The pauses before the second, third and fourth attempt of a request that failed with a
    /// network error, a timeout, 429 or a 5xx answer.
    static let retryPauses: [Duration] = [.milliseconds(500), .seconds(1), .seconds(2)]
    /// Timeout of a download, whose size is not known in advance.
    static let downloadTimeout = TimeAmount.minutes(30)
    /// The most `data(key:)` reads into memory.
    static let maximumDataSize = 1 << 30

    /// What is wrong with the configuration (invalid bucket name, endpoint without a host), if anything;
    /// every operation then throws it, and `checkReachable` too.
    let problem: String?

    /// Does not throw, so a bad configuration (which `S3Configuration.parse` already refuses) surfaces as
    /// errors from the operations and from `checkReachable`. Creates `scratchDirectory` (again, if needed,
    /// in `temporaryFile(for:)`).
    public init(
        configuration: S3Configuration, httpClient: HTTPClient, scratchDirectory: URL,
        requestTimeout: Duration = defaultRequestTimeout
    ) {
        self.requestTimeout = .nanoseconds(Int64(requestTimeout.inSeconds * 1_000_000_000))
        var problem: String? = nil
        if !S3Configuration.isValidBucketName(configuration.bucket) {
            problem = "the S3 bucket '\(configuration.bucket)' is not a valid bucket name"
        }
        for endpoint in [configuration.endpoint] + (configuration.publicEndpoint.map { [$0] } ?? []) {
            if endpoint.host?.isEmpty ?? true { problem = "the S3 endpoint '\(endpoint.absoluteString)' has no host" }
        }
        self.problem = problem
        self.configuration = configuration
        self.httpClient = httpClient
        self.scratchDirectory = scratchDirectory
        self.signer = SigV4Signer(
            accessKeyID: configuration.credentials.accessKeyID,
            secretAccessKey: configuration.credentials.secretAccessKey,
            sessionToken: configuration.credentials.sessionToken,
            region: configuration.region)
        try? FileManager.default.createDirectory(at: scratchDirectory, withIntermediateDirectories: true)
    }

    // MARK: - Addresses

    /// The object name in the bucket: `prefix/key`, or `key` without a prefix.
    public func objectKey(_ key: String) -> String {
        configuration.prefix.isEmpty ? key : "\(configuration.prefix)/\(key)"
    }

    /// The URL of `key` (path style `scheme://host/bucket/key`, virtual-host style `scheme://bucket.host/key`)
    /// on `endpoint` (the configured one by default); nil when the configuration is unusable.
    public func objectURL(key: String, endpoint: URL? = nil) -> URL? {
        url(path: "/" + SigV4Signer.encode(objectKey(key), keepSlash: true), endpoint: endpoint ?? configuration.endpoint)
    }

    /// The URL of the bucket itself; nil when the configuration is unusable.
    public func bucketURL() -> URL? {
        url(path: "", endpoint: configuration.endpoint)
    }

    private func url(path: String, endpoint: URL) -> URL? {
        guard problem == nil else { return nil }
        let scheme = endpoint.scheme?.lowercased() ?? "https"
        var host = endpoint.host ?? ""
        if host.contains(":") && !host.hasPrefix("[") { host = "[\(host)]" }
        let port = endpoint.port.map { ":\($0)" } ?? ""
        let text: String
        if configuration.pathStyle {
            text = "\(scheme)://\(host)\(port)/\(configuration.bucket)\(path)"
        } else {
            text = "\(scheme)://\(configuration.bucket).\(host)\(port)\(path.isEmpty ? "/" : path)"
        }
        return URL(string: text)
    }

    /// The object's URL, or the configuration problem / invalid key as an error.
    private func requireObjectURL(_ key: String) throws -> URL {
        try Self.validate(key)
        if let problem { throw RenderError(problem) }
        guard let url = objectURL(key: key) else { throw RenderError("cannot form an S3 URL for '\(key)'") }
        return url
    }

    private func requireBucketURL() throws -> URL {
        if let problem { throw RenderError(problem) }
        guard let url = bucketURL() else { throw RenderError("cannot form an S3 URL for bucket '\(configuration.bucket)'") }
        return url
    }

    // MARK: - BlobStore

    public func temporaryFile(for key: String) throws -> URL {
        guard BlobKey.isValid(key) else { throw RenderError("invalid blob key '\(key)'") }
        try FileManager.default.createDirectory(at: scratchDirectory, withIntermediateDirectories: true)
        return scratchDirectory.appendingPathComponent("\(UUID().uuidString.lowercased())-\(key)")
    }

    public func commit(temporaryFile: URL, key: String) async throws {
        defer { try? FileManager.default.removeItem(at: temporaryFile) }
        let url = try requireObjectURL(key)
        let (size, hash) = try Self.sizeAndHash(of: temporaryFile)
        // The request timeout, plus a second for every 512 KiB.
        let timeout = requestTimeout + .seconds(size / (512 * 1024))
        let response = try await send(
            "PUT", url, headers: [("Content-Type", Self.contentType(key))],
            body: { .stream(FileChunks(file: temporaryFile), length: .known(size)) },
            payloadHash: hash, timeout: timeout, what: "upload of '\(key)'")
        guard (200..<300).contains(response.status.code) else {
            throw await failure(response, "upload of '\(key)'")
        }
        _ = try? await response.body.collect(upTo: 1 << 20)
    }

    public func put(_ data: Data, key: String) async throws {
        let url = try requireObjectURL(key)
        let timeout = requestTimeout + .seconds(Int64(data.count / (512 * 1024)))
        let response = try await send(
            "PUT", url, headers: [("Content-Type", Self.contentType(key))],
            body: { .bytes(ByteBuffer(bytes: data)) }, payloadHash: SigV4Signer.sha256Hex(data), timeout: timeout,
            what: "upload of '\(key)'")
        guard (200..<300).contains(response.status.code) else { throw await failure(response, "upload of '\(key)'") }
        _ = try? await response.body.collect(upTo: 1 << 20)
    }

    public func download(key: String, to file: URL) async throws {
        let response = try await send("GET", try requireObjectURL(key), timeout: Self.downloadTimeout, what: "download of '\(key)'")
        if response.status == .notFound {
            _ = try? await response.body.collect(upTo: 1 << 20)
            throw BlobNotFound(key: key)
        }
        guard (200..<300).contains(response.status.code) else { throw await failure(response, "download of '\(key)'") }

        let partial = file.deletingLastPathComponent()
            .appendingPathComponent(".\(UUID().uuidString.lowercased()).partial")
        do {
            guard FileManager.default.createFile(atPath: partial.path, contents: nil) else {
                throw RenderError("could not create '\(partial.lastPathComponent)' beside '\(file.lastPathComponent)'")
            }
            let handle = try FileHandle(forWritingTo: partial)
            do {
                for try await buffer in response.body {
                    try buffer.withUnsafeReadableBytes { try handle.write(contentsOf: $0) }
                }
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
            if rename(partial.path, file.path) != 0 {
                throw RenderError("could not move the download of '\(key)' into place (errno \(errno))")
            }
        } catch {
            try? FileManager.default.removeItem(at: partial)
            if error is RenderError { throw error }
            throw RenderError("S3 download of '\(key)' failed: \(error)")
        }
    }

    public func data(key: String) async throws -> Data {
        let response = try await send("GET", try requireObjectURL(key), timeout: Self.downloadTimeout, what: "read of '\(key)'")
        if response.status == .notFound {
            _ = try? await response.body.collect(upTo: 1 << 20)
            throw BlobNotFound(key: key)
        }
        guard (200..<300).contains(response.status.code) else { throw await failure(response, "read of '\(key)'") }
        do {
            let buffer = try await response.body.collect(upTo: Self.maximumDataSize)
            return Data(buffer.readableBytesView)
        } catch {
            throw RenderError("S3 read of '\(key)' failed: \(error)")
        }
    }

    public func delete(key: String) async throws {
        let response = try await send("DELETE", try requireObjectURL(key), timeout: requestTimeout, what: "delete of '\(key)'")
        guard (200..<300).contains(response.status.code) || response.status == .notFound else {
            throw await failure(response, "delete of '\(key)'")
        }
        _ = try? await response.body.collect(upTo: 1 << 20)
    }

    public func size(key: String) async -> Int? {
        guard let url = try? requireObjectURL(key),
            let response = try? await send("HEAD", url, timeout: requestTimeout, what: "check of '\(key)'"),
            (200..<300).contains(response.status.code)
        else { return nil }
        return response.headers.first(name: "Content-Length").flatMap { Int($0) }
    }

    /// A presigned GET, on the public endpoint when one is set; expiry clamped to 1 s…7 days from now.
    /// An invalid key (or an unusable configuration) gives an empty string; callers validate keys before they hand out links.
    public func signedURL(key: String, expires: Date) -> String {
        presigned("GET", key: key, expires: expires)
    }

    /// A presigned PUT, on the public endpoint when one is set; expiry clamped to 1 s…7 days from now.
    /// An invalid key gives an empty string.
    public func signedUploadURL(key: String, expires: Date) -> String {
        presigned("PUT", key: key, expires: expires)
    }

    private func presigned(_ method: String, key: String, expires: Date) -> String {
        guard BlobKey.isValid(key), let url = objectURL(key: key, endpoint: configuration.publicEndpoint) else { return "" }
        let now = Date()
        let seconds = Int(max(1, min(Double(SigV4Signer.maximumExpiry), expires.timeIntervalSince(now).rounded(.up))))
        return signer.presignedURL(method: method, url: url, expires: seconds, date: now)
    }

    public func checkReachable() async throws {
        let response: HTTPClientResponse
        do {
            response = try await send("HEAD", try requireBucketURL(), timeout: requestTimeout, what: "check of bucket '\(configuration.bucket)'")
        } catch {
            throw RenderError("S3 bucket '\(configuration.bucket)' is not reachable: \((error as? RenderError)?.message ?? "\(error)")")
        }
        guard (200..<300).contains(response.status.code) else {
            let detail = response.status == .notFound ? " (no such bucket)" : ""
            throw RenderError(
                "S3 bucket '\(configuration.bucket)' at \(configuration.endpoint.host ?? "?") is not usable: HTTP \(response.status.code) \(response.status.reasonPhrase)\(detail)"
            )
        }
    }

    /// Creates the bucket; fine when it exists already (for tests and first runs).
    public func createBucketIfMissing() async throws {
        var xml: Data? = nil
        var hash = SigV4Signer.emptyPayloadHash
        if configuration.region != "us-east-1" {
            let document = Data(
                "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>\(configuration.region)</LocationConstraint></CreateBucketConfiguration>"
                    .utf8)
            xml = document
            hash = SigV4Signer.sha256Hex(document)
        }
        let what = "creation of bucket '\(configuration.bucket)'"
        let response = try await send(
            "PUT", try requireBucketURL(), body: { xml.map { .bytes(ByteBuffer(bytes: $0)) } }, payloadHash: hash,
            timeout: requestTimeout, what: what)
        if (200..<300).contains(response.status.code) {
            _ = try? await response.body.collect(upTo: 1 << 20)
            return
        }
        let text = await Self.bodyText(response)
        if response.status == .conflict,
            let code = Self.xmlElement("Code", in: text), code == "BucketAlreadyOwnedByYou" || code == "BucketAlreadyExists"
        {
            return
        }
        throw Self.failure(status: response.status, bodyText: text, what)
    }

    // MARK: - Requests

    private static func validate(_ key: String) throws {
        guard BlobKey.isValid(key) else { throw RenderError("invalid blob key '\(key)'") }
    }

    private static func contentType(_ key: String) -> String {
        switch (key as NSString).pathExtension.lowercased() {
        case "mp4": "video/mp4"
        case "webm": "video/webm"
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "webp": "image/webp"
        case "gif": "image/gif"
        case "wav": "audio/wav"
        case "mp3": "audio/mpeg"
        case "json": "application/json"
        default: "application/octet-stream"
        }
    }

    /// The file's size and SHA-256 (lowercase hex), read in 1 MiB chunks.
    private static func sizeAndHash(of file: URL) throws -> (Int64, String) {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: file) } catch {
            throw RenderError("could not read the finished file '\(file.lastPathComponent)': \(error.localizedDescription)")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            size += Int64(chunk.count)
        }
        return (size, Hex.string(hasher.finalize()))
    }
}
