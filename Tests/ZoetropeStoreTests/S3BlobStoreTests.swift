import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import ZoetropeCore
import ZoetropeStore

/// Against a running S3-compatible server named by `ZOETROPE_TEST_S3_ENDPOINT` (e.g. moto_server behind
/// Scripts/s3-verify-proxy.py, which checks signatures and expiry as S3 does), credentials `test`/`test`.
/// Virtual-host style reaches `bucket.localhost:PORT` by using the endpoint as an HTTP forward proxy,
/// since `*.localhost` does not resolve here.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["ZOETROPE_TEST_S3_ENDPOINT"] != nil))
struct S3BlobStoreTests {
    static let styles = [true, false]  // pathStyle

    struct Harness {
        let store: S3BlobStore
        /// Plain client for presigned links (no signing), routed the same way as the store's.
        let client: HTTPClient
        let directory: URL
    }

    static func endpoint() -> URL {
        URL(string: ProcessInfo.processInfo.environment["ZOETROPE_TEST_S3_ENDPOINT"]!)!
    }

    static func randomBucket() -> String {
        "zt-" + String((0..<16).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement()! })
    }

    /// A store on a fresh bucket (created unless `createBucket` is false), torn down afterwards.
    func withStore(
        pathStyle: Bool, prefix: String = "", secret: String = "test", bucket: String = randomBucket(), createBucket: Bool = true,
        _ body: (Harness) async throws -> Void
    ) async throws {
        let proxied = Self.endpoint()
        var configuration = HTTPClient.Configuration()
        var endpoint = proxied
        if !pathStyle {
            // bucket.localhost:PORT, reached through the endpoint acting as a forward proxy.
            configuration.proxy = .server(host: proxied.host!, port: proxied.port ?? 80)
            endpoint = URL(string: "http://localhost:\(proxied.port ?? 80)")!
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("s3test-\(UUID().uuidString)")
        do {
            let store = S3BlobStore(
                configuration: S3Configuration(
                    bucket: bucket, prefix: prefix, endpoint: endpoint, region: "us-east-1",
                    credentials: .init(accessKeyID: "test", secretAccessKey: secret), pathStyle: pathStyle),
                httpClient: client, scratchDirectory: directory.appendingPathComponent("scratch"))
            if createBucket { try await store.createBucketIfMissing() }
            try await body(Harness(store: store, client: client, directory: directory))
        } catch {
            try? await client.shutdown()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        try await client.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    /// A plain request with no signing.
    func plain(_ client: HTTPClient, _ url: String, method: HTTPMethod = .GET, body: Data? = nil) async throws -> (UInt, Data) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return (response.status.code, Data(bytes.readableBytesView))
    }

    static func randomData(_ count: Int) -> Data {
        var generator = SystemRandomNumberGenerator()
        var words = [UInt64](repeating: 0, count: (count + 7) / 8)
        for i in words.indices { words[i] = generator.next() }
        return words.withUnsafeBytes { Data($0.prefix(count)) }
    }

    @Test(arguments: styles) func putDataExistsDelete(pathStyle: Bool) async throws {
        try await withStore(pathStyle: pathStyle) { h in
            let key = "in-job1-image.png"
            #expect(await h.store.size(key: key) == nil)
            let bytes = Self.randomData(1000)
            try await h.store.put(bytes, key: key)
            #expect(await h.store.size(key: key) == 1000)
            #expect(try await h.store.data(key: key) == bytes)
            try await h.store.put(Data("second".utf8), key: key)
            #expect(try await h.store.data(key: key) == Data("second".utf8))
            try await h.store.delete(key: key)
            #expect(await h.store.size(key: key) == nil)
            try await h.store.delete(key: key)  // deleting again is fine
            try await h.store.checkReachable()
        }
    }

    @Test(arguments: styles) func commitFiveMegabytesThenDownload(pathStyle: Bool) async throws {
        try await withStore(pathStyle: pathStyle) { h in
            let key = "job42-1.mp4"
            let bytes = Self.randomData(5 * 1024 * 1024 + 17)
            let temporary = try h.store.temporaryFile(for: key)
            #expect(temporary.path.hasPrefix(h.store.scratchDirectory.path))
            try bytes.write(to: temporary)
            try await h.store.commit(temporaryFile: temporary, key: key)
            #expect(!FileManager.default.fileExists(atPath: temporary.path))

            let destination = h.directory.appendingPathComponent("downloaded.mp4")
            try await h.store.download(key: key, to: destination)
            #expect(try Data(contentsOf: destination) == bytes)
            // Downloading over an existing file replaces it; no partial files are left beside it.
            try await h.store.download(key: key, to: destination)
            let names = try FileManager.default.contentsOfDirectory(atPath: h.directory.path).sorted()
            #expect(names == ["downloaded.mp4", "scratch"])
        }
    }

    @Test func commitFailureStillRemovesTemporaryFile() async throws {
        try await withStore(pathStyle: true, createBucket: false) { h in
            let temporary = try h.store.temporaryFile(for: "x.mp4")
            try Data("abc".utf8).write(to: temporary)
            await #expect(throws: RenderError.self) { try await h.store.commit(temporaryFile: temporary, key: "x.mp4") }
            #expect(!FileManager.default.fileExists(atPath: temporary.path))
        }
    }

    @Test(arguments: styles) func presignedGetWorksWithPlainGet(pathStyle: Bool) async throws {
        try await withStore(pathStyle: pathStyle) { h in
            let bytes = Self.randomData(4096)
            try await h.store.put(bytes, key: "out.mp4")
            let url = h.store.signedURL(key: "out.mp4", expires: Date().addingTimeInterval(600))
            #expect(url.contains("X-Amz-Signature="))
            #expect(url.contains(pathStyle ? "/\(h.store.configuration.bucket)/out.mp4?" : "://\(h.store.configuration.bucket).localhost:"))
            let (status, body) = try await plain(h.client, url)
            #expect(status == 200)
            #expect(body == bytes)
        }
    }

    @Test func presignedGetWithTamperedSignatureIsForbidden() async throws {
        try await withStore(pathStyle: true) { h in
            try await h.store.put(Data("secret video".utf8), key: "out.mp4")
            let url = h.store.signedURL(key: "out.mp4", expires: Date().addingTimeInterval(600))
            let last = url.last!
            let tampered = String(url.dropLast()) + (last == "0" ? "1" : "0")
            let (status, body) = try await plain(h.client, tampered)
            #expect(status == 403)
            #expect(String(decoding: body, as: UTF8.self).contains("SignatureDoesNotMatch"))
            // A link for another key is refused too (the key is signed).
            let other = url.replacingOccurrences(of: "/out.mp4?", with: "/other.mp4?")
            #expect(try await plain(h.client, other).0 == 403)
        }
    }

    @Test func expiredPresignedGetIsRefused() async throws {
        try await withStore(pathStyle: true) { h in
            try await h.store.put(Data("bytes".utf8), key: "out.mp4")
            let url = h.store.signedURL(key: "out.mp4", expires: Date().addingTimeInterval(1))
            #expect(url.contains("X-Amz-Expires=1&"))
            try await Task.sleep(for: .milliseconds(2500))
            let (status, body) = try await plain(h.client, url)
            #expect(status == 403)
            #expect(String(decoding: body, as: UTF8.self).contains("AccessDenied"))
        }
    }

    @Test(arguments: styles) func presignedPutThenData(pathStyle: Bool) async throws {
        try await withStore(pathStyle: pathStyle) { h in
            let bytes = Self.randomData(100_000)
            let url = h.store.signedUploadURL(key: "in-job7-still.jpg", expires: Date().addingTimeInterval(600))
            let (status, _) = try await plain(h.client, url, method: .PUT, body: bytes)
            #expect(status == 200)
            #expect(try await h.store.data(key: "in-job7-still.jpg") == bytes)
            // The upload link does not work for GET.
            #expect(try await plain(h.client, url).0 == 403)
        }
    }

    @Test(arguments: styles) func missingKeyIsBlobNotFound(pathStyle: Bool) async throws {
        try await withStore(pathStyle: pathStyle) { h in
            await #expect(throws: BlobNotFound.self) { try await h.store.data(key: "nothing.mp4") }
            let destination = h.directory.appendingPathComponent("nothing.mp4")
            await #expect(throws: BlobNotFound.self) { try await h.store.download(key: "nothing.mp4", to: destination) }
            #expect(!FileManager.default.fileExists(atPath: destination.path))
            let names = try FileManager.default.contentsOfDirectory(atPath: h.directory.path)
            #expect(names == ["scratch"])
        }
    }

    @Test func prefixIsPrependedToKeys() async throws {
        try await withStore(pathStyle: true, prefix: "zoetrope/run-1") { h in
            try await h.store.put(Data("p".utf8), key: "a.mp4")
            let url = h.store.signedURL(key: "a.mp4", expires: Date().addingTimeInterval(60))
            #expect(url.contains("/\(h.store.configuration.bucket)/zoetrope/run-1/a.mp4?"))
            let (status, body) = try await plain(h.client, url)
            #expect(status == 200)
            #expect(body == Data("p".utf8))
            #expect(try await h.store.data(key: "a.mp4") == Data("p".utf8))
        }
    }

    @Test func checkReachableNamesAMissingBucket() async throws {
        let bucket = Self.randomBucket()
        try await withStore(pathStyle: true, bucket: bucket, createBucket: false) { h in
            do {
                try await h.store.checkReachable()
                Issue.record("checkReachable passed for a missing bucket")
            } catch let error as RenderError {
                #expect(error.message.contains(bucket))
                #expect(error.message.contains("404"))
            }
            try await h.store.createBucketIfMissing()
            try await h.store.checkReachable()
            try await h.store.createBucketIfMissing()  // again: already owned, fine
        }
    }

    @Test func errorsNameStatusAndCodeButNotTheSecret() async throws {
        let bucket = Self.randomBucket()
        try await withStore(pathStyle: true, bucket: bucket) { _ in }  // create it with the right secret
        let secret = "wrong-secret-0123456789"
        try await withStore(pathStyle: true, secret: secret, bucket: bucket, createBucket: false) { h in
            do {
                try await h.store.put(Data("x".utf8), key: "a.mp4")
                Issue.record("a put with a wrong secret succeeded")
            } catch let error as RenderError {
                #expect(error.message.contains("403"))
                #expect(error.message.contains("SignatureDoesNotMatch"))
                #expect(!error.message.contains(secret))
            }
            await #expect(throws: RenderError.self) { try await h.store.data(key: "a.mp4") }
        }
    }
}
