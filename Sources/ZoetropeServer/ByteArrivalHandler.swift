import NIOCore

/// Sits first in a connection's pipeline and announces each read with a `BytesArrived` event,
/// so that `ConnectionDeadlineHandler`, behind the HTTP decoder, can tell a half-sent request
/// head (its header timeout) from a silent connection (its idle timeout).
final class ByteArrivalHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The inbound user event sent ahead of the bytes of each read.
    struct BytesArrived {}

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireUserInboundEventTriggered(BytesArrived())
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension ByteArrivalHandler: Sendable {}
