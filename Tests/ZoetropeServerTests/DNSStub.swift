import NIOCore
import NIOPosix
import Synchronization

/// A DNS server over UDP for tests: answers A queries for the names it knows from a list per
/// name, one entry per query (the last one repeating), as a rebinding attacker's server would;
/// AAAA queries get no records; other names are NXDOMAIN.
final class DNSStub: Sendable {
    private let answers: Mutex<[String: [[UInt8]]]>
    private let channel: any Channel

    private init(answers: [String: [[UInt8]]], channel: any Channel) {
        self.answers = Mutex(answers)
        self.channel = channel
    }

    /// Starts answering on `host`:`port` (53 inside a test's own network namespace).
    static func start(host: String = "127.0.0.1", port: Int = 53, answers: [String: [[UInt8]]]) async throws -> DNSStub {
        let box = Mutex<DNSStub?>(nil)
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler { query in box.withLock { $0 }?.reply(to: query) })
                }
            }
            .bind(host: host, port: port).get()
        let stub = DNSStub(answers: answers, channel: channel)
        box.withLock { $0 = stub }
        return stub
    }

    func stop() async { try? await channel.close() }

    /// The reply to one query, or nil for a packet that is not a query.
    func reply(to query: [UInt8]) -> [UInt8]? {
        guard query.count >= 17, query[2] & 0x80 == 0 else { return nil }
        var labels: [String] = []
        var index = 12
        while index < query.count, query[index] != 0 {
            let length = Int(query[index])
            guard length < 64, index + 1 + length < query.count else { return nil }
            labels.append(String(decoding: query[(index + 1)..<(index + 1 + length)], as: UTF8.self).lowercased())
            index += 1 + length
        }
        let questionEnd = index + 5
        guard questionEnd <= query.count else { return nil }
        let type = UInt16(query[index + 1]) << 8 | UInt16(query[index + 2])
        let name = labels.joined(separator: ".")
        let known = answers.withLock { $0[name] != nil }
        var records: [[UInt8]] = []
        if type == 1 {
            records = answers.withLock { table -> [[UInt8]] in
                guard var list = table[name], let next = list.first else { return [] }
                if list.count > 1 { list.removeFirst() }
                table[name] = list
                return [next]
            }
        }
        var reply = Array(query[0..<2])
        reply += [0x81, known ? 0x80 : 0x83]  // a response, recursion available; NOERROR or NXDOMAIN
        reply += [0, 1, 0, UInt8(records.count), 0, 0, 0, 0]
        reply += query[12..<questionEnd]
        for address in records {
            reply += [0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4] + address
        }
        return reply
    }

    /// Hands each datagram to `answer` and sends its reply back.
    private final class Handler: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let answer: @Sendable ([UInt8]) -> [UInt8]?

        init(answer: @escaping @Sendable ([UInt8]) -> [UInt8]?) { self.answer = answer }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            guard let reply = answer(Array(envelope.data.readableBytesView)) else { return }
            let out = AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: ByteBuffer(bytes: reply))
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        }
    }
}
