import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The request context of the server: Hummingbird's core context and the peer's address.
public struct ServerRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The IP address of the TCP peer (`nil` in router tests).
    public let peer: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peer = source.channel.remoteAddress?.ipAddress
    }
}

/// Which address a request comes from, for rate limits.
enum ClientAddress {
    /// The peer, or, when the peer is a trusted proxy, the last address in
    /// `X-Forwarded-For` that is not a trusted proxy itself.
    static func resolve(peer: String?, forwardedFor: String?, trustedProxies: Set<String>) -> String {
        let peer = peer ?? "unknown"
        guard trustedProxies.contains(peer), let forwardedFor else { return peer }
        let hops = forwardedFor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() where !trustedProxies.contains(hop) {
            return isIPAddress(hop) ? hop : peer
        }
        return hops.first.flatMap { isIPAddress($0) ? $0 : nil } ?? peer
    }

    /// Whether `text` is an IPv4 or IPv6 address.
    static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}

/// Token buckets keyed by client address or license: `perMinute` requests a minute, in bursts
/// of up to `perMinute`. Buckets that refilled are dropped now and then, so memory stays bounded.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Date
    }

    private let perMinute: Double
    private let buckets = NIOLockedValueBox([String: Bucket]())
    private static let pruneThreshold = 50_000

    init(perMinute: Int) {
        self.perMinute = Double(perMinute)
    }

    /// The seconds `key` must wait before ``take(_:now:)`` would allow it, or `nil` when it
    /// would allow it now; takes nothing.
    func wait(_ key: String, now: Date) -> Int? {
        buckets.withLockedValue { buckets in
            guard let bucket = buckets[key] else { return nil }
            let tokens = min(perMinute, bucket.tokens + max(0, now.timeIntervalSince(bucket.updated)) * perMinute / 60)
            return tokens >= 1 ? nil : max(1, Int(((1 - tokens) * 60 / perMinute).rounded(.up)))
        }
    }

    /// Takes one token for `key`; `nil` when allowed, or the seconds to wait.
    func take(_ key: String, now: Date) -> Int? {
        buckets.withLockedValue { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: perMinute, updated: now)
            let elapsed = max(0, now.timeIntervalSince(bucket.updated))
            bucket.tokens = min(perMinute, bucket.tokens + elapsed * perMinute / 60)
            bucket.updated = now
            guard bucket.tokens >= 1 else {
                buckets[key] = bucket
                return max(1, Int(((1 - bucket.tokens) * 60 / perMinute).rounded(.up)))
            }
            bucket.tokens -= 1
            buckets[key] = bucket
            if buckets.count > Self.pruneThreshold {
                let full = 60.0
                buckets = buckets.filter { now.timeIntervalSince($0.value.updated) < full }
            }
            return nil
        }
    }
}

/// CORS for the member endpoints: the configured origins only, never with credentials.
struct CORSPolicy<Context: RequestContext>: RouterMiddleware {
    let allowedOrigins: Set<String>
    let paths: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard paths.contains(request.uri.path) else { return try await next(request, context) }
        let origin = request.headers[.origin]
        let allowed = origin.map(allowedOrigins.contains) ?? false
        if request.method == .options {
            guard allowed, let origin else {
                return APIError(.forbidden, "origin_not_allowed", "This origin may not call the license server.").responseWithoutRequest()
            }
            return Response(status: .noContent, headers: [
                .accessControlAllowOrigin: origin,
                .accessControlAllowMethods: "POST",
                .accessControlAllowHeaders: "Content-Type",
                .accessControlMaxAge: "86400",
                .vary: "Origin",
            ])
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as APIError {
            response = error.responseWithoutRequest()
        } catch is StoreUnavailable {
            response = APIError.storeUnavailable.responseWithoutRequest()
        }
        response.headers[.vary] = "Origin"
        if allowed, let origin {
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[.accessControlExposeHeaders] = "Retry-After"
        }
        return response
    }
}

/// One log line per request (method, path without query, status, duration) and a JSON
/// 500 for anything unexpected. Nothing of the body or headers is logged. A request whose
/// client went away mid-body is logged at debug, not as an error.
struct RequestLog<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let status: HTTPResponse.Status
        defer {
            let elapsed = ContinuousClock.now - start
            let ms = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
            context.logger.debug("request", metadata: [
                "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(status.code)",
                "ms": "\(String(format: "%.2f", ms))",
            ])
        }
        do {
            let response = try await next(request, context)
            status = response.status
            return response
        } catch let error as APIError {
            status = error.status
            return error.responseWithoutRequest()
        } catch let error as StoreUnavailable {
            status = .serviceUnavailable
            context.logger.warning("the database is unreachable", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return APIError.storeUnavailable.responseWithoutRequest()
        } catch let error as IncompleteRequest {
            // Nobody is left to read an answer; the status is for the log line.
            status = .badRequest
            context.logger.debug("the client closed the connection before the whole request arrived", metadata: [
                "path": "\(request.uri.path)", "reason": "\(error.reason)",
            ])
            return APIError(.badRequest, "incomplete_request", "The request ended before its body did.").responseWithoutRequest()
        } catch let error as any HTTPResponseError {
            // Hummingbird's own errors (no route: 404) get the JSON shape of every other error.
            status = error.status
            let code = error.status == .notFound ? "not_found" : "http_\(error.status.code)"
            let message = error.status == .notFound ? "There is nothing at this address." : error.status.reasonPhrase
            return APIError(error.status, code, message).responseWithoutRequest()
        } catch {
            status = .internalServerError
            context.logger.error("unexpected error", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return APIError.internalError.responseWithoutRequest()
        }
    }
}

extension APIError {
    /// The response for this error (which does not depend on the request).
    func responseWithoutRequest() -> Response {
        var object = details
        object["code"] = .string(code)
        object["message"] = .string(message)
        var response = JSONValue.object(["error": .object(object)]).response(status: status)
        response.headers.append(contentsOf: headers)
        return response
    }
}
