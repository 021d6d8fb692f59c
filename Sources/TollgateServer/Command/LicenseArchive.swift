import Foundation
import TollgateCrypto

/// One line of `license export` / `license import`: a license or a device, as stored.
/// Keys and device tokens are never in it, only their lookup hashes (hex), which are as
/// useless without the master key as they are in the database.
struct ArchiveRecord: Codable, Equatable {
    /// `license` or `device`.
    var type: String
    var id: String
    // License fields.
    var keyHash: String?
    var email: String?
    var tiers: [String]?
    var status: String?
    var reason: String?
    var expiresAt: Int?
    var deviceLimit: Int?
    var createdAt: Int
    var updatedAt: Int?
    var source: String?
    var note: String?
    var stripeSession: String?
    var stripeCustomer: String?
    var stripeSubscription: String?
    var stripePaymentIntent: String?
    var stripeInvoice: String?
    var deliveredAt: Int?
    // Device fields.
    var licenseID: String?
    var clientID: String?
    var tokenHash: String?
    var lastSeenAt: Int?

    enum CodingKeys: String, CodingKey {
        case type, id, email, tiers, status, reason, source, note
        case keyHash = "key_hash", expiresAt = "expires_at", deviceLimit = "device_limit", createdAt = "created_at"
        case updatedAt = "updated_at", stripeSession = "stripe_session", stripeCustomer = "stripe_customer"
        case stripeSubscription = "stripe_subscription", stripePaymentIntent = "stripe_payment_intent"
        case stripeInvoice = "stripe_invoice", deliveredAt = "delivered_at", licenseID = "license_id", clientID = "client_id"
        case tokenHash = "token_hash", lastSeenAt = "last_seen_at"
    }

    init(_ license: License) {
        type = "license"
        id = license.id
        keyHash = Encoding.hex(license.keyHash)
        email = license.email
        tiers = license.tiers
        status = license.status.rawValue
        reason = license.reason
        expiresAt = license.expiresAt?.unixSeconds
        deviceLimit = license.deviceLimit
        createdAt = license.createdAt.unixSeconds
        updatedAt = license.updatedAt.unixSeconds
        source = license.source
        note = license.note
        stripeSession = license.stripe.session
        stripeCustomer = license.stripe.customer
        stripeSubscription = license.stripe.subscription
        stripePaymentIntent = license.stripe.paymentIntent
        stripeInvoice = license.stripe.invoice
        deliveredAt = license.deliveredAt?.unixSeconds
    }

    init(_ device: Device) {
        type = "device"
        id = device.id
        licenseID = device.licenseID
        clientID = device.clientID
        tokenHash = Encoding.hex(device.tokenHash)
        createdAt = device.createdAt.unixSeconds
        lastSeenAt = device.lastSeenAt.unixSeconds
    }

    /// The license of a `license` line; the problem in words otherwise.
    func license() throws(ArchiveProblem) -> License {
        guard let keyHash, let hash = StripeSignature.hexBytes(keyHash), hash.count == 32 else {
            throw ArchiveProblem("'key_hash' must be 64 hex digits")
        }
        guard let tiers, !tiers.isEmpty else { throw ArchiveProblem("'tiers' must list at least one tier") }
        guard let status, let parsed = LicenseStatus(rawValue: status) else { throw ArchiveProblem("'status' must be active, expired or revoked") }
        guard let deviceLimit, deviceLimit > 0 else { throw ArchiveProblem("'device_limit' must be a positive number") }
        guard id.hasPrefix("lic_") else { throw ArchiveProblem("'id' must start with lic_") }
        return License(
            id: id, keyHash: hash, email: email, tiers: tiers, status: parsed, reason: reason, expiresAt: expiresAt.map(Self.date),
            deviceLimit: deviceLimit, createdAt: Self.date(createdAt), updatedAt: Self.date(updatedAt ?? createdAt), source: source ?? "import",
            note: note,
            stripe: StripeReferences(
                session: stripeSession, customer: stripeCustomer, subscription: stripeSubscription, paymentIntent: stripePaymentIntent,
                invoice: stripeInvoice
            ),
            deliveredAt: deliveredAt.map(Self.date)
        )
    }

    /// The device of a `device` line; the problem in words otherwise.
    func device() throws(ArchiveProblem) -> Device {
        guard let tokenHash, let hash = StripeSignature.hexBytes(tokenHash), hash.count == 32 else {
            throw ArchiveProblem("'token_hash' must be 64 hex digits")
        }
        guard let licenseID, let clientID, id.hasPrefix("dev_") else {
            throw ArchiveProblem("a device needs 'id' (dev_…), 'license_id' and 'client_id'")
        }
        return Device(id: id, licenseID: licenseID, clientID: clientID, tokenHash: hash, createdAt: Self.date(createdAt), lastSeenAt: Self.date(lastSeenAt ?? createdAt))
    }

    private static func date(_ seconds: Int) -> Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }
}

/// What is wrong with a line of an archive.
struct ArchiveProblem: Error {
    let message: String

    init(_ message: String) {
        self.message = message
    }
}
