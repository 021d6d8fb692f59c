import Foundation
import TollgateCrypto

/// The state a license was put in. Whether an active license has run out is a question of
/// its ``License/expiresAt`` and the time: see ``License/effectiveStatus(at:)``.
public enum LicenseStatus: String, Sendable, Codable, CaseIterable {
    /// Unlocks chapters (until `expiresAt`, if any).
    case active
    /// Ran out: a subscription ended, or its `expiresAt` passed.
    case expired
    /// Taken back: refunded, or revoked by an admin.
    case revoked
}

/// Where a license came from and the Stripe objects it answers to.
public struct StripeReferences: Sendable, Equatable {
    /// The Checkout Session (`cs_…`) that bought it.
    public var session: String?
    /// The customer (`cus_…`).
    public var customer: String?
    /// The subscription (`sub_…`), for licenses sold by subscription.
    public var subscription: String?
    /// The payment intent (`pi_…`) of a one-off payment.
    public var paymentIntent: String?
    /// The first invoice (`in_…`) of a subscription.
    public var invoice: String?

    /// References of `session`, with any of the others.
    public init(session: String? = nil, customer: String? = nil, subscription: String? = nil, paymentIntent: String? = nil, invoice: String? = nil) {
        self.session = session
        self.customer = customer
        self.subscription = subscription
        self.paymentIntent = paymentIntent
        self.invoice = invoice
    }
}

/// One license as stored: never the key, only its lookup hash.
public struct License: Sendable, Equatable {
    /// Public id, `lic_` and 16 hex digits.
    public var id: String
    /// ``TollgateCrypto/LicenseAuthority/lookupHash(of:)`` of the key.
    public var keyHash: [UInt8]
    /// The member's email, when known.
    public var email: String?
    /// The tiers it unlocks (a tier includes the tiers the site says it includes: sealing
    /// wraps a chapter for every tier that may read it).
    public var tiers: [String]
    /// The state it was put in.
    public var status: LicenseStatus
    /// Why it was revoked or expired: `refunded`, `subscription_canceled`, or an admin's words.
    public var reason: String?
    /// When it stops unlocking; `nil` for never.
    public var expiresAt: Date?
    /// How many browsers may hold its keys at once.
    public var deviceLimit: Int
    /// When it was made.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date
    /// `admin`, `cli`, or `stripe:` and the event id.
    public var source: String
    /// A note for the seller.
    public var note: String?
    /// The Stripe objects it answers to.
    public var stripe: StripeReferences
    /// When the checkout success page showed its key, if it did.
    public var deliveredAt: Date?

    /// A license with every field given.
    public init(
        id: String, keyHash: [UInt8], email: String?, tiers: [String], status: LicenseStatus, reason: String?,
        expiresAt: Date?, deviceLimit: Int, createdAt: Date, updatedAt: Date, source: String, note: String?,
        stripe: StripeReferences = StripeReferences(), deliveredAt: Date? = nil
    ) {
        self.id = id
        self.keyHash = keyHash
        self.email = email
        self.tiers = tiers
        self.status = status
        self.reason = reason
        self.expiresAt = expiresAt
        self.deviceLimit = deviceLimit
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.source = source
        self.note = note
        self.stripe = stripe
        self.deliveredAt = deliveredAt
    }

    /// The status as of `now`: an active license whose expiry has passed is expired.
    public func effectiveStatus(at now: Date) -> LicenseStatus {
        if status == .active, let expiresAt, expiresAt <= now { return .expired }
        return status
    }

    /// A new public license id.
    static func newID() -> String { "lic_" + randomHex(8) }
}

/// One browser holding a license's keys.
public struct Device: Sendable, Equatable {
    /// Public id, `dev_` and 32 hex digits; the device token is derived from it.
    public var id: String
    /// The license it belongs to.
    public var licenseID: String
    /// The id the browser chose (`device_id`).
    public var clientID: String
    /// Lookup hash of its device token.
    public var tokenHash: [UInt8]
    /// When it first unlocked.
    public var createdAt: Date
    /// When it last unlocked or refreshed (to the hour).
    public var lastSeenAt: Date

    /// A device with every field given.
    public init(id: String, licenseID: String, clientID: String, tokenHash: [UInt8], createdAt: Date, lastSeenAt: Date) {
        self.id = id
        self.licenseID = licenseID
        self.clientID = clientID
        self.tokenHash = tokenHash
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
    }

    /// A new public device id (128 random bits: the token derives from it).
    static func newID() -> String { "dev_" + randomHex(16) }
}

func randomHex(_ count: Int) -> String {
    Encoding.hex(TollgateCrypto.randomBytes(count))
}

