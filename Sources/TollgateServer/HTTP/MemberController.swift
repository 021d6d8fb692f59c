import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import TollgateCrypto

/// `/v1/unlock`, `/v1/refresh` and `/v1/signout`: what a member's browser calls.
struct MemberController: Sendable {
    let licensing: Licensing
    let keyRing: KeyRing
    let clientLimiter: any RateLimiting
    let licenseLimiter: any RateLimiting
    let trustedProxies: Set<String>

    static let paths: Set<String> = ["/v1/unlock", "/v1/refresh", "/v1/signout"]

    private var configuration: ServerConfiguration { licensing.configuration }
    private var authority: LicenseAuthority { licensing.authority }
    private var store: any LicenseStore { licensing.store }

    func addRoutes(to router: Router<ServerRequestContext>) {
        router.post("/v1/unlock") { request, context in try await unlock(request, context) }
        router.post("/v1/refresh") { request, context in try await refresh(request, context) }
        router.post("/v1/signout") { request, context in try await signOut(request, context) }
    }

    struct UnlockBody: Decodable {
        let licenseKey: String
        let deviceID: String
        enum CodingKeys: String, CodingKey {
            case licenseKey = "license_key"
            case deviceID = "device_id"
        }
    }

    struct TokenBody: Decodable {
        let deviceToken: String
        enum CodingKeys: String, CodingKey { case deviceToken = "device_token" }
    }

    func unlock(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        let now = licensing.now()
        try await limitClient(request, context, now: now)
        let body = try await decodeBody(UnlockBody.self, from: request, limit: configuration.bodyLimit)
        guard Self.isDeviceID(body.deviceID) else {
            throw APIError.invalidField("device_id", "'device_id' must be 16 to 128 characters of A-Z, a-z, 0-9, _ and -.")
        }
        let key: LicenseKey
        do {
            key = try LicenseKey(parsing: body.licenseKey)
        } catch {
            throw APIError(.badRequest, "malformed_license_key", "This is not a license key (\(error.description)). Check it for typos.")
        }
        let keyHash = authority.lookupHash(of: key)
        if let wait = try await licenseLimiter.take("l:" + Encoding.hex(keyHash.prefix(12)), now: now) { throw Self.rateLimited(wait) }
        guard let found = try await store.unlockLookup(keyHash: keyHash, clientID: body.deviceID) else {
            throw APIError(.unauthorized, "unknown_license", "This license key is not known. Check that you copied all of it.")
        }
        try checkStatus(found.license, now: now)
        let device: Device
        let inUse: Int
        if let existing = found.device {
            device = existing
            inUse = found.devicesInUse
            try await touchIfStale(existing, now: now)
        } else {
            let id = Device.newID()
            let candidate = Device(
                id: id, licenseID: found.license.id, clientID: body.deviceID,
                tokenHash: authority.lookupHash(ofDeviceToken: authority.deviceToken(record: id)), createdAt: now, lastSeenAt: now
            )
            switch try await store.activate(candidate, limit: found.license.deviceLimit) {
            case .added(let added, let count):
                context.logger.info("device added", metadata: ["license": "\(found.license.id)", "device": "\(added.id)"])
                (device, inUse) = (added, count)
            case .existing(let existing, let count):
                (device, inUse) = (existing, count)
            case .limitReached(let count):
                context.logger.info("device limit reached", metadata: ["license": "\(found.license.id)"])
                throw APIError(
                    .conflict, "device_limit",
                    "\(count) of \(found.license.deviceLimit) devices are in use. Sign out in a browser you no longer use, or ask the seller to remove a device.",
                    details: ["devices_in_use": .int(count), "device_limit": .int(found.license.deviceLimit)]
                )
            }
        }
        return granted(found.license, token: authority.deviceToken(record: device.id), devicesInUse: inUse)
    }

    func refresh(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        let now = licensing.now()
        try await limitClient(request, context, now: now)
        let body = try await decodeBody(TokenBody.self, from: request, limit: configuration.bodyLimit)
        guard Self.isDeviceToken(body.deviceToken),
              let found = try await store.deviceLookup(tokenHash: authority.lookupHash(ofDeviceToken: body.deviceToken))
        else {
            throw APIError(.unauthorized, "unknown_device", "This browser is no longer signed in (it signed out, or the seller removed it). Enter your license key again.")
        }
        try checkStatus(found.license, now: now)
        try await touchIfStale(found.device, now: now)
        // The token was just matched by its hash: it is the device's token.
        return granted(found.license, token: body.deviceToken, devicesInUse: found.devicesInUse)
    }

    func signOut(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        try await limitClient(request, context, now: licensing.now())
        let body = try await decodeBody(TokenBody.self, from: request, limit: configuration.bodyLimit)
        let removed = Self.isDeviceToken(body.deviceToken)
            ? try await store.removeDevice(tokenHash: authority.lookupHash(ofDeviceToken: body.deviceToken))
            : false
        if removed { context.logger.info("device signed out") }
        return JSONValue.object(["signed_out": .bool(removed)]).response()
    }

    /// The unlock result (docs/server.md), written directly: it is the hot path of the server.
    private func granted(_ license: License, token: String, devicesInUse: Int) -> Response {
        var json = #"{"keys":["#
        json += keyRing.keys(for: license.tiers).map(\.json).joined(separator: ",")
        json += #"],"device_token":"# + Encoding.jsonString(token)
        json += #","tiers":["# + license.tiers.map(Encoding.jsonString).joined(separator: ",")
        json += #"],"expires_at":"# + (license.expiresAt.map { Encoding.jsonString(rfc3339($0)) } ?? "null")
        json += #","devices":{"in_use":\#(devicesInUse),"limit":\#(license.deviceLimit)}}"#
        return Response(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: json))
        )
    }

    private func checkStatus(_ license: License, now: Date) throws {
        switch license.effectiveStatus(at: now) {
        case .active:
            return
        case .revoked:
            let reason = license.reason ?? "revoked"
            let message = reason == "refunded"
                ? "This license key was refunded, so it no longer unlocks chapters."
                : "This license key was revoked and no longer unlocks chapters."
            throw APIError(.forbidden, "revoked", message, details: ["reason": .string(reason)])
        case .expired:
            let date = license.expiresAt.map(rfc3339)
            let message = date.map { "This license expired on \($0.prefix(10))." } ?? "This license has expired."
            throw APIError(
                .forbidden, "expired", message + (configuration.renewURL == nil ? "" : " You can renew it."),
                details: ["expires_at": .optional(date), "renew_url": .optional(configuration.renewURL), "reason": .optional(license.reason)]
            )
        }
    }

    /// Records `device` as seen when it was last seen over an hour ago (one write an hour at most).
    private func touchIfStale(_ device: Device, now: Date) async throws {
        if now.timeIntervalSince(device.lastSeenAt) > 3600 { try await store.touch(deviceID: device.id, at: now) }
    }

    private func limitClient(_ request: Request, _ context: ServerRequestContext, now: Date) async throws {
        let client = ClientAddress.resolve(peer: context.peer, forwardedFor: request.headers[.xForwardedFor], trustedProxies: trustedProxies)
        if let wait = try await clientLimiter.take("c:" + client, now: now) { throw Self.rateLimited(wait) }
    }

    static func rateLimited(_ seconds: Int) -> APIError {
        APIError(
            .tooManyRequests, "rate_limited", "Too many attempts. Try again in \(seconds) seconds.",
            details: ["retry_after": .int(seconds)], headers: [.retryAfter: String(seconds)]
        )
    }

    static func isDeviceID(_ text: String) -> Bool {
        (16...128).contains(text.utf8.count) && text.utf8.allSatisfy(isTokenCharacter)
    }

    static func isDeviceToken(_ text: String) -> Bool {
        text.hasPrefix("dt_") && text.utf8.count == 46 && text.utf8.allSatisfy(isTokenCharacter)
    }

    private static func isTokenCharacter(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F
    }
}

/// `2026-11-21T10:00:00Z`.
func rfc3339(_ date: Date) -> String {
    date.formatted(.iso8601)
}

extension HTTPField.Name {
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let stripeSignature = HTTPField.Name("Stripe-Signature")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}
