import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1 child channel with ``ConnectionLimits`` applied: a connection
/// beyond the per-client cap is closed before any HTTP is read, and every connection gets a
/// ``RequestTimeoutHandler``.
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let http: HTTP1Channel
    let counter: ConnectionCounter
    let trustedProxies: Set<String>

    /// Why a connection was closed at once.
    struct TooManyConnections: Error {}

    init(responder: @escaping HTTPChannelHandler.Responder, limits: ConnectionLimits, trustedProxies: Set<String>) {
        let configuration = HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestTimeoutHandler(limits: limits)]
        )
        http = HTTP1Channel(responder: responder, configuration: configuration)
        counter = ConnectionCounter(limit: limits.connectionsPerClient)
        self.trustedProxies = trustedProxies
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let address = channel.remoteAddress?.ipAddress ?? "unknown"
        if !trustedProxies.contains(address) {
            guard counter.open(address) else {
                logger.debug("connection refused: too many open connections from one client", metadata: ["client": "\(address)", "limit": "\(counter.limit)"])
                channel.close(promise: nil)
                return channel.eventLoop.makeFailedFuture(TooManyConnections())
            }
            let counter = self.counter
            channel.closeFuture.whenComplete { _ in counter.close(address) }
        }
        return http.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await http.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with ``ConnectionLimits`` (see ``GuardedHTTP1Channel``).
    static func guardedHTTP1(limits: ConnectionLimits, trustedProxies: Set<String>) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            GuardedHTTP1Channel(responder: responder, limits: limits, trustedProxies: trustedProxies)
        }
    }
}
