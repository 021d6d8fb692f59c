import Foundation
import Hummingbird
import TollgateCrypto

/// `/v1/license` and `/v1/devices/free`: a member's own license and the devices holding it
/// (docs/server.md, "Member self-service").
///
/// A request proves which license it may see with either the browser's device token or
/// the license key itself (a member locked out of every slot has only the key). It never
/// reaches another license: the license is the one the token or key belongs to, and a
/// device to free is looked up among that license's devices only.
struct SelfServiceController: Sendable {
    let licensing: Licensing
    let clientLimiter: any RateLimiting
    let licenseLimiter: any RateLimiting
    let trustedProxies: Set<String>

    static let paths: Set<String> = ["/v1/license", "/v1/devices/free"]

    private var authority: LicenseAuthority { licensing.authority }
    private var store: any LicenseStore { licensing.store }

    func addRoutes(to router: Router<ServerRequestContext>) {
        router.post("/v1/license") { request, context in try await status(request, context) }
        router.post("/v1/devices/free") { request, context in try await free(request, context) }
    }

    /// What proves the license: exactly one of the two.
    struct Proof: Decodable {
        let deviceToken: String?
        let licenseKey: String?
        let device: String?
        enum CodingKeys: String, CodingKey {
            case deviceToken = "device_token"
            case licenseKey = "license_key"
            case device
        }
    }

    /// The license a request proved, and the asking device when it used its token.
    struct Proven {
        let license: License
        let deviceID: String?
    }

    func status(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        let proven = try await prove(request, context)
        return try await answer(proven)
    }

    func free(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        let body = try await decodeBody(Proof.self, from: request, limit: licensing.configuration.bodyLimit)
        let proven = try await prove(body, request, context)
        guard let device = body.device, Self.isDeviceRecordID(device) else {
            throw APIError.invalidField("device", "'device' must be a device id of this license (dev_ and 32 hex digits), as /v1/license lists them.")
        }
        guard try await store.removeDevice(id: device, licenseID: proven.license.id) else {
            throw APIError(.notFound, "unknown_device", "This license has no such device (it may have been freed already).")
        }
        context.logger.info("device freed by member", metadata: ["license": "\(proven.license.id)", "device": "\(device)"])
        return try await answer(proven)
    }

    private func prove(_ request: Request, _ context: ServerRequestContext) async throws -> Proven {
        try await prove(try await decodeBody(Proof.self, from: request, limit: licensing.configuration.bodyLimit), request, context)
    }

    private func prove(_ body: Proof, _ request: Request, _ context: ServerRequestContext) async throws -> Proven {
        let now = licensing.now()
        let client = ClientAddress.resolve(peer: context.peer, forwardedFor: request.headers[.xForwardedFor], trustedProxies: trustedProxies)
        if let wait = try await clientLimiter.take("c:" + client, now: now) { throw MemberController.rateLimited(wait) }
        switch (body.deviceToken, body.licenseKey) {
        case (let token?, nil):
            guard MemberController.isDeviceToken(token),
                  let found = try await store.deviceLookup(tokenHash: authority.lookupHash(ofDeviceToken: token))
            else {
                throw APIError(.unauthorized, "unknown_device", "This browser is no longer signed in (it signed out, or its slot was freed). Enter your license key again.")
            }
            return Proven(license: found.license, deviceID: found.device.id)
        case (nil, let text?):
            let key: LicenseKey
            do {
                key = try LicenseKey(parsing: text)
            } catch {
                throw APIError(.badRequest, "malformed_license_key", "This is not a license key (\(error.description)). Check it for typos.")
            }
            let keyHash = authority.lookupHash(of: key)
            if let wait = try await licenseLimiter.take("l:" + Encoding.hex(keyHash.prefix(12)), now: now) { throw MemberController.rateLimited(wait) }
            guard let found = try await store.unlockLookup(keyHash: keyHash, clientID: "") else {
                throw APIError(.unauthorized, "unknown_license", "This license key is not known. Check that you copied all of it.")
            }
            return Proven(license: found.license, deviceID: nil)
        default:
            throw APIError.invalidField("device_token", "Send either 'device_token' (a signed-in browser) or 'license_key' (the key itself), not both.")
        }
    }

    /// `{"license": {…}, "devices": [{…}]}` (docs/server.md).
    private func answer(_ proven: Proven) async throws -> Response {
        let license = proven.license
        let devices = try await store.devices(licenseID: license.id)
        let status = license.effectiveStatus(at: licensing.now())
        let listed: [JSONValue] = devices.enumerated().map { index, device in
            .object([
                "id": .string(device.id),
                "label": .string(Self.label(of: device, number: index + 1)),
                "first_seen": .string(rfc3339(device.createdAt)),
                "last_seen": .string(rfc3339(device.lastSeenAt)),
                "this_device": .bool(device.id == proven.deviceID),
            ])
        }
        return JSONValue.object([
            "license": .object([
                "id": .string(license.id),
                "status": .string(status.rawValue),
                "reason": status == .active ? .null : .optional(license.reason),
                "tiers": .array(license.tiers.map { .string($0) }),
                "expires_at": .optional(license.expiresAt.map(rfc3339)),
                "renew_url": .optional(licensing.configuration.renewURL),
                "device_limit": .int(license.deviceLimit),
            ]),
            "devices": .array(listed),
        ]).response()
    }

    /// `Device 2 · …3f9a`: its place among the license's devices and the end of its id. The
    /// server keeps nothing that describes a browser, so the label says only that much.
    static func label(of device: Device, number: Int) -> String {
        "Device \(number) · …\(device.id.suffix(4))"
    }

    static func isDeviceRecordID(_ text: String) -> Bool {
        text.hasPrefix("dev_") && text.utf8.count == 36 && text.utf8.dropFirst(4).allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }
}
