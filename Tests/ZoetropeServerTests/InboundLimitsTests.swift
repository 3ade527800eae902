import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import ZoetropeCore
import ZoetropeServer
import ZoetropeStore

/// What a client that does not play its part gets: an idle connection, a request head or body
/// that stops half-way are closed within their timeouts (408 for the last two), while an answer
/// in progress is never cut; an oversized body is 413 whether declared or chunked, before the
/// server holds it; bodies held in memory share one budget (503 beyond it); one client address
/// may hold only so many connections; a worker's upload has its own cap.
@Suite(.serialized)
struct InboundLimitsTests {
    static let model = "kling-3-pro-image2video"
    /// Generous room over a timeout for a loaded test machine; only "closed by then" is asserted.
    static let slack: Duration = .seconds(6)

    static func shortTimeouts(_ config: inout ServerConfiguration) {
        config.idleTimeout = 1
        config.headerTimeout = 1
        config.bodyTimeout = 1
    }

    /// One short timeout, the others long, so a loaded machine's pause between connecting and
    /// sending cannot trip a timeout the test is not about.
    static func only(idle: Double = 60, header: Double = 60, body: Double = 60) -> (inout ServerConfiguration) -> Void {
        { config in
            config.idleTimeout = idle
            config.headerTimeout = header
            config.bodyTimeout = body
        }
    }

    /// A submit's request head, `Content-Length` or chunked.
    static func submitHead(key: String?, length: Int?, path: String = "/v2/\(model)") -> String {
        var head = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        if let key { head += "x-api-key: \(key)\r\n" }
        head += length.map { "Content-Length: \($0)\r\n" } ?? "Transfer-Encoding: chunked\r\n"
        return head + "\r\n"
    }

    @Test func idleConnectionsAreClosed() async throws {
        let server = try await TestServer.start(configure: Self.only(idle: 2))
        defer { Task { await server.stopAndClean() } }
        // Connected, never a byte: closed quietly after the idle timeout.
        let silent = try await RawConnection.with(port: server.port) { connection in
            try await connection.readUntilClosed(within: .seconds(1) + Self.slack)
        }
        #expect(silent.text.isEmpty, "\(silent.text)")
        #expect(silent.after >= .milliseconds(500), "closed after \(silent.after), before its idle timeout")
        // Idle again after a request has been answered.
        try await RawConnection.with(port: server.port) { connection in
            try await connection.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let answer = try await connection.readAnswer(within: .seconds(10))
            #expect(answer.status == 200)
            let rest = try await connection.readUntilClosed(within: .seconds(1) + Self.slack)
            #expect(rest.text.isEmpty)
        }
    }

    @Test func stalledHeadIsAnswered408AndClosed() async throws {
        let server = try await TestServer.start(configure: Self.only(header: 1))
        defer { Task { await server.stopAndClean() } }
        try await RawConnection.with(port: server.port) { connection in
            try await connection.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            let closed = try await connection.readUntilClosed(within: .seconds(1) + Self.slack)
            let answer = try #require(RawAnswer(closed.text), "no answer: '\(closed.text)'")
            #expect(answer.status == 408)
            #expect(answer.error?.contains("request head was not received within 1 s") == true, "\(answer.body)")
            #expect(answer.headers["connection"] == "close")
            #expect(answer.headers["x-content-type-options"] == "nosniff")
        }
    }

    @Test func stalledBodyIsAnswered408AndClosed() async throws {
        let server = try await TestServer.start(configure: Self.only(body: 1))
        defer { Task { await server.stopAndClean() } }
        try await RawConnection.with(port: server.port) { connection in
            try await connection.send(Self.submitHead(key: server.apiKey, length: 100) + "{\"prompt\":")
            let closed = try await connection.readUntilClosed(within: .seconds(1) + Self.slack)
            let answer = try #require(RawAnswer(closed.text), "no answer: '\(closed.text)'")
            #expect(answer.status == 408)
            #expect(answer.error?.contains("request body was not received within 1 s") == true, "\(answer.body)")
        }
        // A body that trickles in a byte at a time is held to the same deadline.
        try await RawConnection.with(port: server.port) { connection in
            try await connection.send(Self.submitHead(key: server.apiKey, length: 100))
            let start = ContinuousClock.now
            while ContinuousClock.now - start < .seconds(1) + Self.slack, connection.channel.isActive {
                try? await connection.send(" ")
                try await Task.sleep(for: .milliseconds(200))
            }
            let closed = try await connection.readUntilClosed(within: .seconds(1))
            #expect(RawAnswer(closed.text)?.status == 408, "\(closed.text)")
        }
    }

    @Test func answersInProgressAreNotTimedOut() async throws {
        let server = try await TestServer.start(configure: {
            Self.shortTimeouts(&$0)
            $0.runsLocalEngine = false  // the job stays queued: its stream and v1 wait go on
            $0.syncTimeout = 60
        })
        defer { Task { await server.stopAndClean() } }
        let body = "{\"prompt\":\"x\",\"start_image_url\":\"aGVsbG8=\",\"duration\":\"3\"}"
        let submitted = try await HTTPTestClient.send(
            .POST, "\(server.baseURL)/v2/\(Self.model)", apiKey: server.apiKey, body: Data(body.utf8),
            contentType: "application/json")
        let id = try #require(submitted.json["request_id"] as? String, "\(submitted.json)")
        // The status stream: its head is sent, then events; the connection outlives every timeout.
        try await RawConnection.with(port: server.port) { connection in
            try await connection.send(
                "GET /v2/requests/\(id)/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: \(server.apiKey)\r\n\r\n")
            let answer = try await connection.readAnswer(within: .seconds(10))
            #expect(answer.status == 200)
            #expect(try await connection.isClosed(within: .seconds(4)) == false, "the stream was cut")
        }
        // The blocking v1 call: the request is complete, the answer waits for the job.
        try await RawConnection.with(port: server.port) { connection in
            try await connection.send(
                Self.submitHead(key: server.apiKey, length: body.utf8.count, path: "/v1/\(Self.model)") + body)
            #expect(try await connection.isClosed(within: .seconds(4)) == false, "the v1 wait was cut")
        }
    }

    @Test func declaredOversizedBodyIs413BeforeReading() async throws {
        let server = try await TestServer.start(configure: { $0.maxBodyBytes = 1 << 20 })
        defer { Task { await server.stopAndClean() } }
        let declared = 10 * 1024 * 1024 * 1024
        // Refused on the head alone, before authentication, with nothing of the body sent.
        try await RawConnection.with(port: server.port) { connection in
            try await connection.send(Self.submitHead(key: nil, length: declared))
            let answer = try await connection.readAnswer(within: .seconds(10))
            #expect(answer.status == 413)
            #expect(answer.error == "request body is \(declared) bytes; at most \(1 << 20) bytes are accepted")
            #expect(answer.headers["connection"] == "close")
            _ = try await connection.readUntilClosed(within: Self.slack)
        }
        // A worker call has its own, smaller cap.
        try await RawConnection.with(port: server.port) { connection in
            try await connection.send(Self.submitHead(key: nil, length: 5 << 20, path: "/v1/worker/lease"))
            let answer = try await connection.readAnswer(within: .seconds(10))
            #expect(answer.status == 413)
            #expect(answer.error == "request body is \(5 << 20) bytes; at most \(4 << 20) bytes are accepted")
        }
    }

    @Test func chunkedOversizedBodyIs413WithMemoryBounded() async throws {
        let server = try await TestServer.start(configure: { $0.maxBodyBytes = 1 << 20 })
        defer { Task { await server.stopAndClean() } }
        let before = Self.residentBytes()
        let offered = 256 << 20
        let answer = try await RawConnection.with(port: server.port) { connection in
            try await connection.send(Self.submitHead(key: server.apiKey, length: nil))
            return try await Self.streaming(connection, chunks: offered / 65536, of: 65536) {
                try await connection.readAnswer(within: .seconds(60))
            }
        }
        #expect(answer.status == 413)
        #expect(answer.error == "request body is more than \(1 << 20) bytes; at most \(1 << 20) bytes are accepted")
        let grown = Self.residentBytes() - before
        #expect(grown < 96 << 20, "resident memory grew by \(grown >> 20) MB while a \(offered >> 20) MB body was offered")
    }

    @Test func bodiesInMemoryShareOneBudget() async throws {
        let server = try await TestServer.start(configure: {
            $0.maxBodyBytes = 6 << 20
            $0.bodyMemoryBytes = 12 << 20
        })
        defer { Task { await server.stopAndClean() } }
        let length = 5 << 20
        // Two submits declare 5 MB each and send a little: together they hold 10 of the 12 MB.
        try await RawConnection.with(port: server.port) { first in
            try await RawConnection.with(port: server.port) { second in
                try await first.send(Self.submitHead(key: server.apiKey, length: length) + "{")
                try await second.send(Self.submitHead(key: server.apiKey, length: length) + "{")
                try await Self.waitForHeldBodyBytes(server, atLeast: 2 * length)
                // A third does not fit: 503 with Retry-After, and its connection is closed.
                try await RawConnection.with(port: server.port) { third in
                    try await third.send(Self.submitHead(key: server.apiKey, length: length))
                    let answer = try await third.readAnswer(within: .seconds(10))
                    #expect(answer.status == 503)
                    #expect(answer.headers["retry-after"] != nil)
                    #expect(answer.error?.contains("as many request bodies as it may") == true, "\(answer.body)")
                    _ = try await third.readUntilClosed(within: Self.slack)
                }
                // The first two are still reading.
                #expect(first.channel.isActive && second.channel.isActive)
            }
        }
        // Their reservations are given back once they are answered (here: the clients left).
        try await Self.waitForHeldBodyBytes(server, atMost: 0)
    }

    @Test func connectionsPerClientAreCapped() async throws {
        let server = try await TestServer.start(configure: { $0.maxConnectionsPerClient = 3 })
        defer { Task { await server.stopAndClean() } }
        func served(_ connection: RawConnection) async throws -> Bool {
            try await connection.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            return try await connection.readAnswer(within: .seconds(10)).status == 200
        }
        try await RawConnection.with(port: server.port) { first in
            #expect(try await served(first))
            try await RawConnection.with(port: server.port) { second in
                #expect(try await served(second))
                try await RawConnection.with(port: server.port) { third in
                    #expect(try await served(third))
                    // A fourth from the same address is closed as it opens, without an answer.
                    try await RawConnection.with(port: server.port) { fourth in
                        let refused = try await fourth.readUntilClosed(within: .seconds(5))
                        #expect(refused.text.isEmpty)
                    }
                }
                // With one closed, a new one is served (once the server has seen the close).
                var admitted = false
                for _ in 0..<50 where !admitted {
                    admitted = try await RawConnection.with(port: server.port) { again in
                        (try? await served(again)) ?? false
                    }
                    if !admitted { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(admitted)
            }
        }
    }

    @Test func workerUploadsAreCapped() async throws {
        let server = try await TestServer.start(configure: { $0.maxUploadBytes = 1 << 20 })
        defer { Task { await server.stopAndClean() } }
        let blobs = try TestServer.localBlobs(server.configuration)
        let key = BlobKey.output(jobID: "upload-cap", attempt: 1)
        let link = blobs.signedUploadURL(key: key, expires: Date().addingTimeInterval(600))
        let head = "PUT \(link) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: video/mp4\r\n"
        try await RawConnection.with(port: server.port) { connection in
            try await connection.send(head + "Content-Length: \(2 << 20)\r\n\r\n")
            let answer = try await connection.readAnswer(within: .seconds(10))
            #expect(answer.status == 413)
            #expect(answer.error == "request body is \(2 << 20) bytes; at most \(1 << 20) bytes are accepted")
        }
        let answer = try await RawConnection.with(port: server.port) { connection in
            try await connection.send(head + "Transfer-Encoding: chunked\r\n\r\n")
            return try await Self.streaming(connection, chunks: 64, of: 65536) {
                try await connection.readAnswer(within: .seconds(30))
            }
        }
        #expect(answer.status == 413)
        #expect(answer.error == "request body is more than \(1 << 20) bytes; at most \(1 << 20) bytes are accepted")
        // Nothing of it is kept: no blob, no partial file.
        #expect(await blobs.size(key: key) == nil)
        let partial = server.configuration.outputsDirectory.appendingPathComponent(".partial")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: partial.path)) ?? []
        #expect(left.isEmpty, "\(left)")
    }

    // MARK: - Helpers

    /// Runs `reading` while a chunked body of `chunks` chunks of `size` bytes is written, and
    /// stops writing once it returns (or the server closes the connection).
    static func streaming<T: Sendable>(
        _ connection: RawConnection, chunks: Int, of size: Int, reading: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        var chunk = ByteBuffer(string: String(size, radix: 16) + "\r\n")
        chunk.writeRepeatingByte(UInt8(ascii: " "), count: size)
        chunk.writeString("\r\n")
        let frame = chunk
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                for _ in 0..<chunks {
                    do { try await connection.outbound.write(frame) } catch { break }
                }
                try? await connection.send("0\r\n\r\n")
                return nil
            }
            group.addTask { try await reading() }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let result { return result }
            }
            throw TestFailure("no answer")
        }
    }

    /// This process's resident memory (the server runs in it), in bytes.
    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return 0 }
        return kilobytes * 1024
    }

    /// Waits until `/metrics` reports the held body bytes in range.
    static func waitForHeldBodyBytes(_ server: TestServer, atLeast: Int = 0, atMost: Int = .max) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        var held = -1
        while ContinuousClock.now < deadline {
            let metrics = try await HTTPTestClient.send(.GET, "\(server.baseURL)/metrics")
            let text = String(decoding: metrics.body, as: UTF8.self)
            held = text.split(separator: "\n")
                .first { $0.hasPrefix("zoetrope_request_body_bytes_held ") }
                .flatMap { Double($0.split(separator: " ").last ?? "") }
                .map { Int($0) } ?? -1
            if held >= atLeast, held <= atMost { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("held body bytes stayed at \(held), not within \(atLeast)...\(atMost)")
    }
}
