import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ZoetropeCore

/// The worker protocol's calls to a gateway, authenticated by a worker token.
public struct WorkerClient: Sendable {
    public let gateway: String
    let token: String
    let httpClient: HTTPClient

    public init(gateway: String, token: String, httpClient: HTTPClient) {
        var base = gateway
        while base.hasSuffix("/") { base.removeLast() }
        self.gateway = base
        self.token = token
        self.httpClient = httpClient
    }

    /// An answer the gateway refused, with its status and error message.
    public struct Refused: Error, CustomStringConvertible {
        public var status: Int
        public var message: String
        public var description: String { "the gateway answered \(status): \(message)" }
    }

    /// Waits up to `wait` seconds for a job; nil when none came.
    public func lease(_ request: WorkerProtocol.LeaseRequest) async throws -> WorkerProtocol.Assignment? {
        let wait = request.waitSeconds ?? 0
        let (status, body) = try await post("/v1/worker/lease", request, timeout: .seconds(Int64(wait) + 30))
        if status == 204 { return nil }
        guard status == 200 else { throw Refused(status: status, message: Self.message(body)) }
        return try JSONDecoder().decode(WorkerProtocol.Assignment.self, from: body)
    }

    /// False when the lease is lost (409).
    public func heartbeat(jobID: String, _ beat: WorkerProtocol.Heartbeat) async throws -> Bool {
        try await expectLease(post("/v1/worker/jobs/\(jobID)/heartbeat", beat))
    }

    /// False when the lease was lost before completion.
    public func complete(jobID: String, _ completion: WorkerProtocol.Completion) async throws -> Bool {
        try await expectLease(post("/v1/worker/jobs/\(jobID)/complete", completion))
    }

    public func fail(jobID: String, _ failure: WorkerProtocol.Failure) async throws {
        _ = try await expectLease(post("/v1/worker/jobs/\(jobID)/fail", failure))
    }

    public func release(jobID: String, workerID: String) async throws {
        _ = try await expectLease(
            post("/v1/worker/jobs/\(jobID)/release", WorkerProtocol.Failure(workerID: workerID, error: nil)))
    }

    /// Fetches a signed link into `file` (through a temporary name).
    public func download(_ url: String, to file: URL) async throws {
        let request = HTTPClientRequest(url: url)
        let response = try await httpClient.execute(request, timeout: .seconds(300))
        guard response.status == .ok else {
            throw Refused(status: Int(response.status.code), message: "fetching an input")
        }
        let partial = file.deletingLastPathComponent().appendingPathComponent(".\(UUID().uuidString).partial")
        guard FileManager.default.createFile(atPath: partial.path, contents: nil),
            let handle = FileHandle(forWritingAtPath: partial.path)
        else { throw RenderError("could not write \(file.lastPathComponent)") }
        do {
            for try await buffer in response.body { try handle.write(contentsOf: Data(buffer.readableBytesView)) }
            try handle.close()
            try FileManager.default.moveItem(at: partial, to: file)
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: partial)
            throw error
        }
    }

    /// PUTs a file's bytes to an upload link.
    public func upload(_ file: URL, to upload: WorkerProtocol.Upload) async throws {
        let data = try Data(contentsOf: file)
        var request = HTTPClientRequest(url: upload.url)
        request.method = HTTPMethod(rawValue: upload.method)
        request.headers.add(name: "Content-Type", value: "video/mp4")
        request.headers.add(name: "Content-Length", value: String(data.count))
        request.body = .bytes(ByteBuffer(data: data))
        let response = try await Self.reaching { try await httpClient.execute(request, timeout: .seconds(600)) }
        let body = try await response.body.collect(upTo: 1 << 20)
        if Self.isUnavailable(Int(response.status.code)) {
            throw StoreUnavailable(part: "gateway", reason: "the upload answered \(response.status.code)")
        }
        guard (200..<300).contains(response.status.code) else {
            throw Refused(status: Int(response.status.code), message: "upload refused: \(String(buffer: body).prefix(300))")
        }
    }

    private func expectLease(_ answer: (Int, Data)) throws -> Bool {
        let (status, body) = answer
        if status == 409 { return false }
        if Self.isUnavailable(status) {
            throw StoreUnavailable(part: "gateway", reason: "it answered \(status): \(Self.message(body))")
        }
        guard (200..<300).contains(status) else { throw Refused(status: status, message: Self.message(body)) }
        return true
    }

    /// Answers that say the gateway (or its database) cannot take the call now: try again later.
    static func isUnavailable(_ status: Int) -> Bool { status == 502 || status == 503 || status == 504 }

    /// `call`'s answer; a gateway that cannot be reached at all throws `StoreUnavailable`.
    private static func reaching<T>(_ call: () async throws -> T) async throws -> T {
        do {
            return try await call()
        } catch let error where !(error is CancellationError) && !Task.isCancelled {
            throw StoreUnavailable(part: "gateway", reason: "it cannot be reached (\(error))")
        }
    }

    private func post(_ path: String, _ body: some Encodable, timeout: TimeAmount = .seconds(60)) async throws -> (Int, Data) {
        var request = HTTPClientRequest(url: gateway + path)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(body)))
        let response = try await Self.reaching { try await httpClient.execute(request, timeout: timeout) }
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return (Int(response.status.code), Data(buffer: bytes))
    }

    private static func message(_ body: Data) -> String {
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any], let error = object["error"] as? String {
            return error
        }
        return String(decoding: body.prefix(300), as: UTF8.self)
    }
}
