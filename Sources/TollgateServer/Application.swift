import Foundation
import Hummingbird
import Logging
import TollgateCrypto

/// The license server as a Hummingbird application: the same function serves the
/// `tollgate-server serve` command and the tests.
///
/// - Parameters:
///   - configuration: `server.yml`.
///   - secrets: the master key and the optional admin token and Stripe secret.
///   - store: where licenses live (opened by the caller, who closes it after the server stops).
///   - logger: where requests and events are logged; never a key, token or secret.
///   - now: the clock (tests move it).
public func buildApplication(
    configuration: ServerConfiguration,
    secrets: ServerSecrets,
    store: any LicenseStore,
    logger: Logger,
    now: @escaping @Sendable () -> Date = Date.init
) -> some ApplicationProtocol {
    let router = buildRouter(configuration: configuration, secrets: secrets, store: store, now: now)
    return Application(
        router: router,
        server: .guardedHTTP1(limits: configuration.connections, trustedProxies: Set(configuration.trustedProxies)),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "tollgate-server"),
        onServerRunning: { channel in
            logger.notice("tollgate-server listening", metadata: [
                "address": "\(channel.localAddress?.description ?? configuration.listen)",
                "epochs": "\(configuration.epochs.map(String.init).joined(separator: ","))",
                "tiers": "\(configuration.tiers.joined(separator: ","))",
                "master_key_fingerprint": "\(secrets.masterKey.fingerprint)",
            ])
        },
        logger: logger
    )
}

/// The router of ``buildApplication(configuration:secrets:store:logger:now:)``.
func buildRouter(
    configuration: ServerConfiguration,
    secrets: ServerSecrets,
    store: any LicenseStore,
    now: @escaping @Sendable () -> Date
) -> Router<ServerRequestContext> {
    let authority = LicenseAuthority(master: secrets.masterKey)
    let licensing = Licensing(configuration: configuration, authority: authority, store: store, now: now)
    let router = Router(context: ServerRequestContext.self)
    router.add(middleware: RequestLog())
    router.add(middleware: CORSPolicy(allowedOrigins: Set(configuration.allowedOrigins), paths: MemberController.paths.union(SelfServiceController.paths)))
    // The member endpoints and the self-service ones share one budget per client and per key.
    let clientLimiter = rateLimiter(named: "client", perMinute: configuration.clientRequestsPerMinute, store: store)
    let licenseLimiter = rateLimiter(named: "license", perMinute: configuration.licenseAttemptsPerMinute, store: store)
    MemberController(
        licensing: licensing,
        keyRing: KeyRing(authority: authority, tiers: configuration.tiers, epochs: configuration.epochs),
        clientLimiter: clientLimiter,
        licenseLimiter: licenseLimiter,
        trustedProxies: Set(configuration.trustedProxies)
    ).addRoutes(to: router)
    SelfServiceController(
        licensing: licensing, clientLimiter: clientLimiter, licenseLimiter: licenseLimiter,
        trustedProxies: Set(configuration.trustedProxies)
    ).addRoutes(to: router)
    AdminController(licensing: licensing, adminToken: secrets.adminToken).addRoutes(to: router)
    StripeController(licensing: licensing, signature: secrets.stripeWebhookSecret.map(StripeSignature.init(secret:))).addRoutes(to: router)
    CheckoutPage(licensing: licensing).addRoutes(to: router)
    router.get("/healthz") { _, context in
        do {
            try await store.checkHealth()
            return JSONValue.object(["status": "ok", "database": "reachable"]).response()
        } catch {
            context.logger.error("health check failed", metadata: ["error": "\(error)"])
            var response = JSONValue.object(["status": "unavailable", "database": "unreachable"]).response(status: .serviceUnavailable)
            response.headers[.retryAfter] = String(APIError.storeRetrySeconds)
            return response
        }
    }
    return router
}

/// The member endpoints' rate limit `name`: in the database when it is shared by several
/// instances (PostgreSQL), in memory otherwise.
func rateLimiter(named name: String, perMinute: Int, store: any LicenseStore) -> any RateLimiting {
    let base = (store as? CachingLicenseStore)?.base ?? store
    if let postgres = base as? PostgresLicenseStore {
        return SharedRateLimiter(store: postgres, name: name, perMinute: perMinute)
    }
    return RateLimiter(perMinute: perMinute)
}
