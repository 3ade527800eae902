import AsyncHTTPClient
import Foundation
import Testing
import ZoetropeCore
import ZoetropeStore

/// `S3Configuration.parse` and the store's addressing, with no server.
@Suite struct S3ConfigurationTests {
    let credentials = ["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "shh-secret"]

    func parse(_ url: String, _ extra: [String: String] = [:]) throws -> S3Configuration {
        try S3Configuration.parse(blobURL: url, environment: credentials.merging(extra) { $1 })
    }

    func message(_ url: String, _ environment: [String: String]) -> String {
        do {
            _ = try S3Configuration.parse(blobURL: url, environment: environment)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func defaultsToAWSVirtualHost() throws {
        let c = try parse("s3://my-bucket")
        #expect(c.bucket == "my-bucket")
        #expect(c.prefix == "")
        #expect(c.region == "us-east-1")
        #expect(c.endpoint.absoluteString == "https://s3.us-east-1.amazonaws.com")
        #expect(c.publicEndpoint == nil)
        #expect(!c.pathStyle)
        #expect(c.credentials.accessKeyID == "AKID")
        #expect(c.credentials.secretAccessKey == "shh-secret")
        #expect(c.credentials.sessionToken == nil)
        #expect(!c.description.contains("shh-secret"))
    }

    @Test func prefixRegionAndToken() throws {
        let c = try parse("s3://media.example/zoetrope/outputs/", ["AWS_DEFAULT_REGION": "eu-west-1", "AWS_SESSION_TOKEN": "tok"])
        #expect(c.bucket == "media.example")
        #expect(c.prefix == "zoetrope/outputs")
        #expect(c.region == "eu-west-1")
        #expect(c.endpoint.absoluteString == "https://s3.eu-west-1.amazonaws.com")
        #expect(c.credentials.sessionToken == "tok")
        #expect(try parse("s3://b12", ["AWS_REGION": "ap-south-1", "AWS_DEFAULT_REGION": "eu-west-1"]).region == "ap-south-1")
    }

    @Test func endpointPrecedenceAndAddressing() throws {
        let all = [
            "ZOETROPE_S3_ENDPOINT": "http://minio:9000/", "AWS_ENDPOINT_URL_S3": "http://s3only:1",
            "AWS_ENDPOINT_URL": "http://generic:2",
        ]
        let c = try parse("s3://bkt", all)
        #expect(c.endpoint.absoluteString == "http://minio:9000")
        #expect(c.pathStyle)  // not amazonaws.com
        #expect(try parse("s3://bkt", ["AWS_ENDPOINT_URL_S3": "http://s3only:1", "AWS_ENDPOINT_URL": "http://generic:2"]).endpoint.host == "s3only")
        #expect(try parse("s3://bkt", ["AWS_ENDPOINT_URL": "http://generic:2"]).endpoint.host == "generic")
        #expect(try parse("s3://bkt", ["ZOETROPE_S3_ENDPOINT": "http://minio:9000", "ZOETROPE_S3_ADDRESSING": "virtual"]).pathStyle == false)
        #expect(try parse("s3://bkt", ["ZOETROPE_S3_ADDRESSING": "path"]).pathStyle == true)
        let p = try parse("s3://bkt", ["ZOETROPE_S3_ENDPOINT": "http://minio:9000", "ZOETROPE_S3_PUBLIC_ENDPOINT": "https://files.example.com"])
        #expect(p.publicEndpoint?.absoluteString == "https://files.example.com")
    }

    @Test func missingCredentialsNameTheVariable() {
        #expect(message("s3://bkt", ["AWS_SECRET_ACCESS_KEY": "x"]).contains("AWS_ACCESS_KEY_ID"))
        #expect(message("s3://bkt", ["AWS_ACCESS_KEY_ID": "x"]).contains("AWS_SECRET_ACCESS_KEY"))
        #expect(message("s3://bkt", ["AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": ""]).contains("AWS_SECRET_ACCESS_KEY"))
    }

    @Test func badValuesNameTheVariableOrURLPart() {
        let e = credentials
        #expect(message("https://bkt", e).contains("s3://"))
        #expect(message("s3://Bad_Bucket", e).contains("bucket 'Bad_Bucket'"))
        #expect(message("s3://ab", e).contains("bucket"))
        #expect(message("s3://bkt/a//b", e).contains("prefix"))
        #expect(message("s3://bkt/a/../b", e).contains("prefix"))
        #expect(message("s3://bkt?x=1", e).contains("query"))
        #expect(message("s3://bkt", e.merging(["ZOETROPE_S3_ADDRESSING": "sideways"]) { $1 }).contains("ZOETROPE_S3_ADDRESSING"))
        #expect(message("s3://bkt", e.merging(["ZOETROPE_S3_ENDPOINT": "ftp://x"]) { $1 }).contains("ZOETROPE_S3_ENDPOINT"))
        #expect(message("s3://bkt", e.merging(["AWS_ENDPOINT_URL": "not a url"]) { $1 }).contains("AWS_ENDPOINT_URL"))
        #expect(message("s3://bkt", e.merging(["ZOETROPE_S3_ENDPOINT": "http://h:9/path"]) { $1 }).contains("ZOETROPE_S3_ENDPOINT"))
        #expect(message("s3://bkt", e.merging(["ZOETROPE_S3_PUBLIC_ENDPOINT": "files"]) { $1 }).contains("ZOETROPE_S3_PUBLIC_ENDPOINT"))
        #expect(message("s3://bkt", e.merging(["AWS_REGION": "Mars 1"]) { $1 }).contains("AWS_REGION"))
        for text in [message("s3://Bad_Bucket", e), message("s3://bkt", e.merging(["ZOETROPE_S3_ADDRESSING": "x"]) { $1 })] {
            #expect(!text.contains("shh-secret"))
        }
    }

    // MARK: - Addressing, links and key checks without a server

    func store(pathStyle: Bool, endpoint: String, publicEndpoint: String? = nil, prefix: String = "") throws -> (S3BlobStore, HTTPClient) {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let configuration = S3Configuration(
            bucket: "media", prefix: prefix, endpoint: URL(string: endpoint)!, publicEndpoint: publicEndpoint.map { URL(string: $0)! },
            region: "eu-central-1", credentials: .init(accessKeyID: "AKID", secretAccessKey: "shh-secret"), pathStyle: pathStyle)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("s3unit-\(UUID().uuidString)")
        return (S3BlobStore(configuration: configuration, httpClient: client, scratchDirectory: directory), client)
    }

    @Test func virtualHostAndPathStyleURLs() async throws {
        let (virtual, c1) = try store(pathStyle: false, endpoint: "https://s3.eu-central-1.amazonaws.com", prefix: "out/v1")
        let (path, c2) = try store(pathStyle: true, endpoint: "http://127.0.0.1:9000")
        defer { try? FileManager.default.removeItem(at: virtual.scratchDirectory); try? FileManager.default.removeItem(at: path.scratchDirectory) }
        #expect(virtual.objectURL(key: "a.mp4")?.absoluteString == "https://media.s3.eu-central-1.amazonaws.com/out/v1/a.mp4")
        #expect(virtual.bucketURL()?.absoluteString == "https://media.s3.eu-central-1.amazonaws.com/")
        #expect(path.objectURL(key: "a.mp4")?.absoluteString == "http://127.0.0.1:9000/media/a.mp4")
        #expect(path.bucketURL()?.absoluteString == "http://127.0.0.1:9000/media")
        let link = virtual.signedURL(key: "a.mp4", expires: Date().addingTimeInterval(3600))
        #expect(link.hasPrefix("https://media.s3.eu-central-1.amazonaws.com/out/v1/a.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F"))
        #expect(link.contains("%2Feu-central-1%2Fs3%2Faws4_request&"))
        #expect(link.contains("X-Amz-Expires=3600&") || link.contains("X-Amz-Expires=3599&"))
        #expect(!link.contains("shh-secret"))
        try await c1.shutdown()
        try await c2.shutdown()
    }

    @Test func linksUseThePublicEndpointAndClampExpiry() async throws {
        let (s, client) = try store(pathStyle: true, endpoint: "http://minio:9000", publicEndpoint: "https://files.example.com")
        defer { try? FileManager.default.removeItem(at: s.scratchDirectory) }
        let get = s.signedURL(key: "a.mp4", expires: Date().addingTimeInterval(30 * 86400))
        #expect(get.hasPrefix("https://files.example.com/media/a.mp4?"))
        #expect(get.contains("X-Amz-Expires=604800&"))
        let put = s.signedUploadURL(key: "a.mp4", expires: Date().addingTimeInterval(-10))
        #expect(put.hasPrefix("https://files.example.com/media/a.mp4?"))
        #expect(put.contains("X-Amz-Expires=1&"))
        #expect(get.components(separatedBy: "X-Amz-Signature=").last != put.components(separatedBy: "X-Amz-Signature=").last)
        #expect(s.signedURL(key: "../etc", expires: Date().addingTimeInterval(60)) == "")
        try await client.shutdown()
    }

    @Test func storeRefusesAnInvalidBucketName() async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let configuration = S3Configuration(
            bucket: "Bad Bucket", endpoint: URL(string: "http://127.0.0.1:9")!, region: "us-east-1",
            credentials: .init(accessKeyID: "a", secretAccessKey: "b"), pathStyle: true)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("s3unit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        // The initializer does not throw (the gateway calls it without `try`); operations and checkReachable do.
        let store = S3BlobStore(configuration: configuration, httpClient: client, scratchDirectory: directory)
        #expect(FileManager.default.fileExists(atPath: directory.path))
        do {
            try await store.checkReachable()
            Issue.record("checkReachable passed with an invalid bucket name")
        } catch let error as RenderError {
            #expect(error.message.contains("Bad Bucket"))
        }
        await #expect(throws: RenderError.self) { try await store.put(Data("x".utf8), key: "a.mp4") }
        await #expect(throws: RenderError.self) { try await store.data(key: "a.mp4") }
        #expect(await store.size(key: "a.mp4") == nil)
        #expect(store.signedURL(key: "a.mp4", expires: Date().addingTimeInterval(60)) == "")
        #expect(store.objectURL(key: "a.mp4") == nil)
        try await client.shutdown()
    }

    @Test func invalidKeysThrowBeforeAnyRequest() async throws {
        // Port 9 on loopback: any request would fail with a connection error, not "invalid blob key".
        let (s, client) = try store(pathStyle: true, endpoint: "http://127.0.0.1:9")
        defer { try? FileManager.default.removeItem(at: s.scratchDirectory) }
        for key in ["", ".hidden", "a/b", "sp ace", String(repeating: "x", count: 201)] {
            for operation in ["put", "data", "delete", "download", "temporary"] {
                do {
                    switch operation {
                    case "put": try await s.put(Data(), key: key)
                    case "data": _ = try await s.data(key: key)
                    case "delete": try await s.delete(key: key)
                    case "download": try await s.download(key: key, to: s.scratchDirectory.appendingPathComponent("d"))
                    default: _ = try s.temporaryFile(for: key)
                    }
                    Issue.record("\(operation) accepted '\(key)'")
                } catch let error as RenderError {
                    #expect(error.message.contains("invalid blob key"), "\(operation): \(error.message)")
                }
            }
            #expect(await s.size(key: key) == nil)
        }
        // A commit with an invalid key still removes the temporary file.
        let temporary = s.scratchDirectory.appendingPathComponent("t")
        try Data("x".utf8).write(to: temporary)
        await #expect(throws: RenderError.self) { try await s.commit(temporaryFile: temporary, key: "a/b") }
        #expect(!FileManager.default.fileExists(atPath: temporary.path))
        try await client.shutdown()
    }
}
