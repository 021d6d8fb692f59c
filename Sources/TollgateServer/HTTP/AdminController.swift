import Foundation
import Hummingbird
import TollgateCrypto

/// `/v1/admin/…`: the command line's operations over HTTP, behind a bearer token.
struct AdminController: Sendable {
    let licensing: Licensing
    let tokenDigest: [UInt8]?
    let failures: RateLimiter
    let trustedProxies: Set<String>

    init(licensing: Licensing, adminToken: String?) {
        self.licensing = licensing
        tokenDigest = adminToken.map { TollgateCrypto.sha256(Array($0.utf8)) }
        failures = RateLimiter(perMinute: licensing.configuration.adminFailuresPerMinute)
        trustedProxies = Set(licensing.configuration.trustedProxies)
    }

    func addRoutes(to router: Router<ServerRequestContext>) {
        let check = BearerCheck(digest: tokenDigest, failures: failures, trustedProxies: trustedProxies, now: licensing.now)
        let admin = router.group("v1/admin").add(middleware: check)
        admin.post("licenses") { request, _ in try await issue(request) }
        admin.get("licenses") { request, _ in try await list(request) }
        admin.get("licenses/:id") { _, context in try await show(context.parameters.require("id")) }
        admin.post("licenses/:id/revoke") { request, context in try await revoke(request, context.parameters.require("id")) }
        admin.post("licenses/:id/extend") { request, context in try await extend(request, context.parameters.require("id")) }
        admin.get("licenses/:id/devices") { _, context in try await devices(context.parameters.require("id")) }
        admin.delete("licenses/:id/devices/:device") { _, context in
            try await removeDevice(context.parameters.require("device"), of: context.parameters.require("id"))
        }
        admin.get("licenses/:id/key") { _, context in try await recoverKey(context.parameters.require("id")) }
    }

    private var limit: Int { licensing.configuration.bodyLimit }

    func issue(_ request: Request) async throws -> Response {
        let body = try await decodeStrictBody(IssueBody.self, from: request, limit: limit)
        let expiry = try body.expiresAt.map { text in
            guard let date = parseDate(text) else { throw APIError.invalidField("expires_at", "'expires_at' must be a date like 2027-01-31 or 2027-01-31T00:00:00Z.") }
            return date
        }
        let order = LicenseOrder(tiers: body.tiers, email: body.email, expiresAt: expiry, deviceLimit: body.deviceLimit, note: body.note, source: "admin")
        let issued = try await mapping { try await licensing.issue(order) }
        let (license, key) = issued[0]
        return JSONValue.object(["license": licenseJSON(license, devicesInUse: 0, now: licensing.now()), "license_key": .string(key.text)]).response(status: .created)
    }

    func list(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        try rejectUnknownFields(query.map { String($0.key) }, allowed: ["status", "email", "limit"], kind: "query parameter")
        var filter = LicenseFilter(now: licensing.now())
        if let status = query["status"].map(String.init) {
            guard let parsed = LicenseStatus(rawValue: status) else {
                throw APIError.invalidField("status", "'status' must be active, expired or revoked.")
            }
            filter.status = parsed
        }
        filter.email = query["email"].map(String.init)
        if let limit = query["limit"].map(String.init) {
            guard let number = Int(limit), (1...10_000).contains(number) else { throw APIError.invalidField("limit", "'limit' must be between 1 and 10000.") }
            filter.limit = number
        }
        let licenses = try await licensing.store.licenses(filter)
        return JSONValue.object(["licenses": .array(licenses.map { licenseJSON($0, devicesInUse: nil, now: licensing.now()) })]).response()
    }

    func show(_ id: String) async throws -> Response {
        let (license, devices) = try await mapping { (try await licensing.license(id), try await licensing.devices(id)) }
        return JSONValue.object([
            "license": licenseJSON(license, devicesInUse: devices.count, now: licensing.now()), "devices": .array(devices.map(deviceJSON)),
        ]).response()
    }

    func revoke(_ request: Request, _ id: String) async throws -> Response {
        let body = try await decodeOptionalStrictBody(RevokeBody.self, from: request, limit: limit) ?? RevokeBody(reason: nil)
        let license = try await mapping { try await licensing.revoke(id, reason: body.reason) }
        return JSONValue.object(["license": licenseJSON(license, devicesInUse: nil, now: licensing.now())]).response()
    }

    func extend(_ request: Request, _ id: String) async throws -> Response {
        let body = try await decodeStrictBody(ExtendBody.self, from: request, limit: limit)
        let license: License
        switch (body.expiry, body.days) {
        case (nil, let days?):
            license = try await mapping { try await licensing.extend(id, byDays: days) }
        case (.date(let text)?, nil):
            guard let date = parseDate(text) else { throw APIError.invalidField("expires_at", "'expires_at' must be a date like 2027-01-31 or 2027-01-31T00:00:00Z.") }
            license = try await mapping { try await licensing.extend(id, until: date) }
        case (.never?, nil):
            license = try await mapping { try await licensing.extend(id, until: nil) }
        case (nil, nil):
            throw APIError.invalidField(
                "days",
                "Say how to extend: 'days' (a positive whole number added to the expiry), 'expires_at' (a date like 2027-01-31), or \"expires_at\": null to remove the expiry."
            )
        case (_?, _?):
            throw APIError.invalidField("days", "Give either 'expires_at' or 'days', not both.")
        }
        return JSONValue.object(["license": licenseJSON(license, devicesInUse: nil, now: licensing.now())]).response()
    }

    func devices(_ id: String) async throws -> Response {
        let devices = try await mapping { try await licensing.devices(id) }
        return JSONValue.object(["devices": .array(devices.map(deviceJSON))]).response()
    }

    func removeDevice(_ device: String, of id: String) async throws -> Response {
        try await mapping { try await licensing.removeDevice(device, of: id) }
        return JSONValue.object(["removed": true]).response()
    }

    func recoverKey(_ id: String) async throws -> Response {
        let key = try await mapping { try await licensing.recoverKey(id) }
        return JSONValue.object(["license_key": .string(key.text)]).response()
    }

    /// Runs `body`, turning a ``LicensingError`` into the matching API error.
    private func mapping<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as LicensingError {
            switch error {
            case .invalid(let field, let message): throw APIError.invalidField(field, message)
            case .notFound: throw APIError(.notFound, "not_found", error.description)
            case .notRecoverable: throw APIError(.conflict, "key_not_recoverable", error.description)
            }
        }
    }
}


/// A license as the admin API shows it (no key, no hash).
func licenseJSON(_ license: License, devicesInUse: Int?, now: Date) -> JSONValue {
    var object: [String: JSONValue] = [
        "id": .string(license.id), "email": .optional(license.email), "tiers": .array(license.tiers.map { .string($0) }),
        "status": .string(license.effectiveStatus(at: now).rawValue), "reason": .optional(license.reason),
        "expires_at": .optional(license.expiresAt.map(rfc3339)), "device_limit": .int(license.deviceLimit),
        "created_at": .string(rfc3339(license.createdAt)), "updated_at": .string(rfc3339(license.updatedAt)),
        "source": .string(license.source), "note": .optional(license.note),
    ]
    if let devicesInUse { object["devices_in_use"] = .int(devicesInUse) }
    return .object(object)
}

/// A device as the admin API shows it (no token, no hash).
func deviceJSON(_ device: Device) -> JSONValue {
    .object(["id": .string(device.id), "created_at": .string(rfc3339(device.createdAt)), "last_seen_at": .string(rfc3339(device.lastSeenAt))])
}

/// `2027-01-31` (midnight UTC) or an RFC 3339 time.
func parseDate(_ text: String) -> Date? {
    if let date = try? Date(text, strategy: .iso8601) { return date }
    return try? Date(text + "T00:00:00Z", strategy: .iso8601)
}
