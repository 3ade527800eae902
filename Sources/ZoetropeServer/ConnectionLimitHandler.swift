import Logging
import NIOCore

/// Sits first in a connection's pipeline and closes it as it opens when its client already holds
/// `ClientConnectionLimiter.maxPerClient` connections; otherwise counts it until it closes.
final class ConnectionLimitHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let limiter: ClientConnectionLimiter
    private let logger: Logger
    /// The client this connection was counted for, once admitted.
    private var counted: String?

    init(limiter: ClientConnectionLimiter, logger: Logger) {
        self.limiter = limiter
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        let client = ClientConnectionLimiter.client(of: context.remoteAddress)
        if case .refused(let first) = limiter.admit(client) {
            logger.log(
                level: first ? .warning : .debug,
                "refusing connections from \(client): it has \(limiter.maxPerClient) open (--max-connections-per-client)")
            context.close(promise: nil)
            return
        }
        counted = client
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { release() }

    private func release() {
        if let counted { limiter.release(counted) }
        counted = nil
    }
}

@available(*, unavailable)
extension ConnectionLimitHandler: Sendable {}
