import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTPTypes
import ZoetropeCore

/// Bounds how long a client may hold a connection without doing its part, behind the HTTP
/// decoder (it sees request and response parts, and `ByteArrivalHandler`'s events):
///
/// - idle: no request in progress and no byte of a next one for `idle` → closed;
/// - header: a request's head not complete `header` after its first byte → 408, closed;
/// - body: a request's body not complete `body` after its head → 408, closed.
///
/// A request whose body has arrived is never timed out: while any answer is being written (a
/// status stream, the blocking v1 wait) no deadline runs, and the clocks of a request pipelined
/// behind it start when that answer ends. An answer that says `Connection: close` (the 413 and
/// 503 body refusals) shuts the sending side once written, and the connection is closed when the
/// client closes or `linger` later, so that the client reads the answer instead of a reset.
final class ConnectionDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Where the request being read is.
    private enum Phase {
        case between
        case head(since: NIODeadline)
        case body(since: NIODeadline)
    }

    /// Which deadline runs.
    private enum Reason { case idle, header, body, linger }

    private let timeouts: ConnectionTimeouts
    private let logger: Logger
    private var phase = Phase.between
    /// When the connection last had nothing in progress.
    private var quietSince = NIODeadline.now()
    /// Requests read in full whose answer has not ended.
    private var unanswered = 0
    /// The request being read was answered before its body ended (an early refusal).
    private var answeredEarly = false
    /// A response head has been written and its end has not.
    private var responseOpen = false
    /// The response being written says `Connection: close`.
    private var closeAfterResponse = false
    /// Set once an answer that closes the connection has been written.
    private var lingerUntil: NIODeadline?
    /// This handler answered 408: nothing else may be written on the connection.
    private var sentTimeout = false
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?

    init(timeouts: ConnectionTimeouts, logger: Logger) {
        self.timeouts = timeouts
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { becameActive(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) { cancelTimer() }

    func channelActive(context: ChannelHandlerContext) {
        becameActive(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ByteArrivalHandler.BytesArrived else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        if case .between = phase {
            phase = .head(since: .now())
            arm(context)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            phase = .body(since: .now())
            answeredEarly = false
        case .body:
            break
        case .end:
            phase = .between
            if answeredEarly {
                answeredEarly = false
                if unanswered == 0 { quietSince = .now() }
            } else {
                unanswered += 1
            }
        }
        arm(context)
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !sentTimeout else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        switch unwrapOutboundIn(data) {
        case .head(let response):
            if response.status.kind != .informational {
                responseOpen = true
                closeAfterResponse = response.headerFields[.connection]?.lowercased().contains("close") == true
            }
        case .body:
            break
        case .end:
            responseOpen = false
            answerEnded()
            if closeAfterResponse {
                closeAfterResponse = false
                let written = promise ?? context.eventLoop.makePromise()
                context.writeAndFlush(data, promise: written)
                lingerUntil = .now() + timeouts.linger
                arm(context)
                written.futureResult.assumeIsolated().whenComplete { _ in context.close(mode: .output, promise: nil) }
                return
            }
            arm(context)
        }
        context.write(data, promise: promise)
    }

    // MARK: - State

    private func becameActive(_ context: ChannelHandlerContext) {
        quietSince = .now()
        arm(context)
    }

    /// An answer has been written in full: either the oldest request read in full, or the one
    /// still being read.
    private func answerEnded() {
        if unanswered > 0 {
            unanswered -= 1
            guard unanswered == 0 else { return }
            let now = NIODeadline.now()
            quietSince = now
            // A request pipelined behind the answer gets its full time from now.
            switch phase {
            case .between: break
            case .head: phase = .head(since: now)
            case .body: phase = .body(since: now)
            }
        } else if case .between = phase {
            // An answer without a request (the decoder's 400): the connection closes anyway.
        } else {
            answeredEarly = true
        }
    }

    /// The deadline that runs now, if any.
    private var deadline: (at: NIODeadline, reason: Reason)? {
        if let lingerUntil { return (lingerUntil, .linger) }
        if unanswered > 0 { return nil }
        switch phase {
        case .between: return (quietSince + timeouts.idle, .idle)
        case .head(let since): return (since + timeouts.header, .header)
        case .body(let since): return (since + timeouts.body, .body)
        }
    }

    /// Makes sure a timer fires no later than the running deadline; a timer that fires early
    /// looks again.
    private func arm(_ context: ChannelHandlerContext) {
        guard let at = deadline?.at else { return }
        if let timerDeadline, timerDeadline <= at { return }
        timer?.cancel()
        timerDeadline = at
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: at) { [self] in fire(context) }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
        timerDeadline = nil
    }

    private func fire(_ context: ChannelHandlerContext) {
        timer = nil
        timerDeadline = nil
        guard context.channel.isActive, let (at, reason) = deadline else { return }
        guard at <= .now() else { return arm(context) }
        let peer = context.remoteAddress?.ipAddress ?? "?"
        switch reason {
        case .idle:
            logger.debug("closing connection from \(peer): idle for \(Self.seconds(timeouts.idle)) s")
            context.close(promise: nil)
        case .linger:
            context.close(promise: nil)
        case .header:
            timedOut(context, peer: peer, "request head was not received within \(Self.seconds(timeouts.header)) s")
        case .body:
            timedOut(context, peer: peer, "request body was not received within \(Self.seconds(timeouts.body)) s")
        }
    }

    /// 408 with the reason (unless the request already has its answer, or one is being
    /// written), then closed.
    private func timedOut(_ context: ChannelHandlerContext, peer: String, _ message: String) {
        logger.debug("closing connection from \(peer): \(message)")
        guard !responseOpen, !answeredEarly else {
            context.close(promise: nil)
            return
        }
        // Closed once the answer is written, or after `linger` if the client does not take it.
        lingerUntil = .now() + timeouts.linger
        arm(context)
        sentTimeout = true
        var body = JSONValue.object(["error": .string(message + "; the connection is closed")]).encoded()
        body.append(0x0A)
        var fields = BrowserHeaders.everyAnswer
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.contentLength] = String(body.count)
        fields[.connection] = "close"
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .requestTimeout, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(ByteBuffer(bytes: body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    static func seconds(_ amount: TimeAmount) -> String {
        String(format: "%g", Double(amount.nanoseconds) / 1_000_000_000)
    }
}

@available(*, unavailable)
extension ConnectionDeadlineHandler: Sendable {}
