import Foundation
import Hummingbird
import TollgateCrypto

/// `Authorization: Bearer <token>`, compared in constant time (as SHA-256 digests, so the
/// comparison does not depend on the token's length either). Wrong tokens are counted per
/// client address: past `failures`' rate, the client gets `429` with `Retry-After` and its
/// tokens are not even compared until it may try again.
struct BearerCheck: RouterMiddleware {
    let digest: [UInt8]?
    let failures: RateLimiter
    let trustedProxies: Set<String>
    let now: @Sendable () -> Date

    func handle(_ request: Request, context: ServerRequestContext, next: (Request, ServerRequestContext) async throws -> Response) async throws -> Response {
        guard let digest else {
            throw APIError(.serviceUnavailable, "admin_disabled", "The admin API is off: set TOLLGATE_ADMIN_TOKEN to turn it on.")
        }
        let client = "a:" + ClientAddress.resolve(peer: context.peer, forwardedFor: request.headers[.xForwardedFor], trustedProxies: trustedProxies)
        let now = now()
        if let wait = failures.wait(client, now: now) { throw Self.rateLimited(wait) }
        let header = request.headers[.authorization] ?? ""
        let prefix = "Bearer "
        let given = header.hasPrefix(prefix) ? String(header.dropFirst(prefix.count)) : ""
        guard constantTimeEqual(TollgateCrypto.sha256(Array(given.utf8)), digest) else {
            _ = failures.take(client, now: now)
            context.logger.notice("admin request with a wrong token", metadata: ["client": "\(client.dropFirst(2))", "path": "\(request.uri.path)"])
            throw APIError(.unauthorized, "unauthorized", "Send the admin token as 'Authorization: Bearer <token>'.", headers: [.wwwAuthenticate: "Bearer"])
        }
        return try await next(request, context)
    }

    static func rateLimited(_ seconds: Int) -> APIError {
        APIError(
            .tooManyRequests, "rate_limited", "Too many requests with a wrong admin token from this address. Try again in \(seconds) seconds.",
            details: ["retry_after": .int(seconds)], headers: [.retryAfter: String(seconds)]
        )
    }
}
