/// How long a client may take to send a request, how long a kept-alive connection may sit
/// idle, and how many connections one client address may hold open (`limits:` of `server.yml`).
///
/// They stop a client that opens many connections and sends its requests slowly (or never
/// finishes them) from holding every file descriptor of the server.
public struct ConnectionLimits: Sendable, Equatable {
    /// Seconds a new connection has to send a complete request head (line and headers).
    public var headerTimeout = 10
    /// Seconds a request has, from its head, to send the whole of its body.
    public var bodyTimeout = 10
    /// Seconds a kept-alive connection may wait, after a response, for its next request's head.
    public var idleTimeout = 30
    /// Connections one client address may hold open at once; more are closed at once.
    /// Trusted proxies are not counted (their own limits apply, see docs/server.md).
    public var connectionsPerClient = 64

    /// The defaults.
    public init() {}
}
