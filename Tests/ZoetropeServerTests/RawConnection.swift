import Foundation
import NIOCore
import NIOPosix

/// A plain TCP connection to a test server, for what an HTTP client will not send: a request
/// head cut short, a body that stops, a connection that says nothing. What the server answers is
/// collected until it closes the connection.
struct RawConnection {
    let channel: any Channel
    let reader: Reader
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

    /// Connects to `127.0.0.1:port`, runs `body`, then closes the connection.
    static func with<T: Sendable>(port: Int, _ body: (RawConnection) async throws -> T) async throws -> T {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await body(RawConnection(channel: channel.channel, reader: Reader(inbound.makeAsyncIterator()), outbound: outbound))
        }
    }

    func send(_ text: String) async throws {
        try await outbound.write(ByteBuffer(string: text))
    }

    /// Everything the server sends until it closes the connection (a reset counts as closed),
    /// and how long that took; throws when it is still open after `limit`.
    func readUntilClosed(within limit: Duration) async throws -> (text: String, after: Duration) {
        let start = ContinuousClock.now
        guard try await isClosed(within: limit) else {
            throw TestFailure("the server did not close the connection within \(limit)")
        }
        let after = ContinuousClock.now - start
        while try await reader.read() {}
        return (reader.take(), after)
    }

    /// Reads until a whole HTTP answer head and its `Content-Length` body have arrived (or the
    /// connection ends), within `limit`.
    func readAnswer(within limit: Duration) async throws -> RawAnswer {
        let reader = self.reader
        return try await Self.within(limit, "no answer within \(limit)") {
            while true {
                if let answer = RawAnswer(reader.received), answer.isComplete { break }
                guard try await reader.read() else { break }
            }
            let text = reader.take()
            guard let answer = RawAnswer(text) else { throw TestFailure("the connection ended without an answer: '\(text)'") }
            return answer
        }
    }

    /// Whether the server has closed the connection within `limit` (false: still open). Looks
    /// at the channel, without reading: the answers stay for `readAnswer` and `readUntilClosed`.
    func isClosed(within limit: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while channel.isActive {
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    /// The connection's one reader, used by one task at a time.
    final class Reader: @unchecked Sendable {
        private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        private var isClosed = false
        /// Received and not yet taken.
        private(set) var received = ""

        init(_ iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) {
            self.iterator = iterator
        }

        /// Reads one chunk; false once the connection is closed (or reset).
        func read() async throws -> Bool {
            guard !isClosed else { return false }
            do {
                guard let chunk = try await iterator.next() else {
                    isClosed = true
                    return false
                }
                received += String(buffer: chunk)
                return true
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                isClosed = true
                return false
            }
        }

        func take() -> String {
            defer { received = "" }
            return received
        }
    }

    /// `operation`'s result, or `message` as a failure once `limit` has passed.
    static func within<T: Sendable>(
        _ limit: Duration, _ message: String, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw TestFailure(message)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}

/// One HTTP/1.1 answer as read off a raw connection.
struct RawAnswer {
    var status: Int
    /// Header names lowercased.
    var headers: [String: String]
    var body: String
    var isComplete: Bool

    init?(_ text: String) {
        guard let end = text.range(of: "\r\n\r\n") else { return nil }
        let lines = text[..<end.lowerBound].components(separatedBy: "\r\n")
        let statusLine = lines[0].split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        self.status = status
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        self.headers = headers
        body = String(text[end.upperBound...])
        let length = headers["content-length"].flatMap { Int($0) } ?? 0
        isComplete = body.utf8.count >= length
    }

    /// The `error` of a JSON error body.
    var error: String? {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["error"] as? String
    }
}
