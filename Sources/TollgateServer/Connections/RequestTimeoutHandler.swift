import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose client is too slow: no complete request head within
/// `headerTimeout` of connecting (or `idleTimeout` after the last response), or no end of the
/// body within `bodyTimeout` of the head. While the server works on a request no timer runs.
///
/// It sits after HTTP decoding, so a half-sent head is a connection that sent no head yet.
final class RequestTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: ConnectionLimits
    private var timer: Scheduled<Void>?
    /// Whether a request's head came and its end did not yet.
    private var readingRequest = false
    /// Requests whose head came and whose response has not ended yet.
    private var unanswered = 0

    init(limits: ConnectionLimits) {
        self.limits = limits
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { schedule(limits.headerTimeout, context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        schedule(limits.headerTimeout, context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancel()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            readingRequest = true
            unanswered += 1
            schedule(limits.bodyTimeout, context: context)
        case .body:
            break
        case .end:
            readingRequest = false
            // Answered already (an early error)? Then the connection is idle; else the server works.
            if unanswered == 0 { schedule(limits.idleTimeout, context: context) } else { cancel() }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            unanswered = max(0, unanswered - 1)
            if unanswered == 0, !readingRequest { schedule(limits.idleTimeout, context: context) }
        }
        context.write(data, promise: promise)
    }

    private func schedule(_ seconds: Int, context: ChannelHandlerContext) {
        cancel()
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: .seconds(Int64(seconds))) {
            channel.close(promise: nil)
        }
    }

    private func cancel() {
        timer?.cancel()
        timer = nil
    }
}

@available(*, unavailable)
extension RequestTimeoutHandler: Sendable {}
