import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1.1 child channel with the inbound limits around it: the per-client
/// connection cap (`ConnectionLimitHandler`) and the byte marker (`ByteArrivalHandler`) first in
/// each connection's pipeline, the idle, header and body deadlines (`ConnectionDeadlineHandler`)
/// behind the HTTP decoder. Hummingbird's own `idleTimeout` is left off: it restarts on every
/// request part, so a body sent a byte at a time would never end, and it has no header deadline.
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let http1: HTTP1Channel
    let limiter: ClientConnectionLimiter

    init(
        responder: @escaping HTTPChannelHandler.Responder, timeouts: ConnectionTimeouts, limiter: ClientConnectionLimiter,
        logger: Logger
    ) {
        http1 = HTTP1Channel(
            responder: responder,
            configuration: .init(additionalChannelHandlers: [ConnectionDeadlineHandler(timeouts: timeouts, logger: logger)]))
        self.limiter = limiter
    }

    /// The server `Application(server:)` runs.
    static func server(timeouts: ConnectionTimeouts, limiter: ClientConnectionLimiter, logger: Logger) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            GuardedHTTP1Channel(responder: responder, timeouts: timeouts, limiter: limiter, logger: logger)
        }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        do {
            try channel.pipeline.syncOperations.addHandlers(
                [ConnectionLimitHandler(limiter: limiter, logger: logger), ByteArrivalHandler()], position: .first)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return http1.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }
}
