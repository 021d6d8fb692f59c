import Foundation

/// A license found by its key hash, with the device that asks if it already holds a slot.
public struct UnlockLookup: Sendable {
    /// The license.
    public var license: License
    /// The device of this license with the asking browser's `device_id`, if any.
    public var device: Device?
    /// How many devices hold the license now.
    public var devicesInUse: Int
}

/// A device found by its token hash, with its license.
public struct DeviceLookup: Sendable {
    /// The device.
    public var device: Device
    /// Its license.
    public var license: License
    /// How many devices hold the license now.
    public var devicesInUse: Int
}

/// What ``LicenseStore/activate(_:limit:)`` did.
public enum Activation: Sendable, Equatable {
    /// The browser already held a slot: this device.
    case existing(Device, devicesInUse: Int)
    /// A new slot was taken.
    case added(Device, devicesInUse: Int)
    /// Every slot is taken.
    case limitReached(devicesInUse: Int)
}

/// Which licenses to list, newest first.
public struct LicenseFilter: Sendable {
    /// Only licenses in this state as of ``now`` (an active license past its expiry is expired).
    public var status: LicenseStatus?
    /// The time ``status`` is judged at.
    public var now: Date
    /// Only licenses of this email (exact, case-insensitive).
    public var email: String?
    /// At most this many.
    public var limit: Int

    /// A filter; everything by default, up to 1,000.
    public init(status: LicenseStatus? = nil, email: String? = nil, limit: Int = 1000, now: Date = Date()) {
        self.status = status
        self.now = now
        self.email = email
        self.limit = limit
    }
}

/// A change an admin or an event makes to a license.
public enum LicenseChange: Sendable {
    /// Revoked, for `reason`.
    case revoke(reason: String)
    /// Expired now, for `reason`.
    case expire(reason: String)
    /// A new expiry (`nil`: never). An expired license becomes active again; a revoked one stays revoked.
    case setExpiry(Date?)
    /// `days` more: from the current expiry, or from now if it has passed or there is none.
    /// Applied in the store's transaction, so two extensions at once both count.
    case extend(days: Int)
}

/// What a verified Stripe event asks of the store.
public enum StripeAction: Sendable {
    /// Issue this license, unless one exists for its Checkout Session.
    case issue(License)
    /// Expire the licenses of this subscription.
    case expire(subscription: String, reason: String)
    /// Revoke the licenses paid by this payment intent or invoice.
    case revoke(paymentIntent: String?, invoice: String?, reason: String)
    /// Nothing to do, but remember the event.
    case none
}

/// What applying a Stripe event did.
public enum StripeOutcome: Sendable, Equatable {
    /// The event id was seen before: nothing changed.
    case duplicate
    /// Applied; these licenses were made or changed.
    case applied(licenseIDs: [String])
}

/// Where licenses and devices live. Every method is atomic: a write either happens whole
/// or not at all, and concurrent calls never see each other half-done.
///
/// ``SQLiteLicenseStore`` is the one to run; ``InMemoryLicenseStore`` is for tests.
public protocol LicenseStore: Sendable {
    /// Adds new licenses, all or none.
    func insert(_ licenses: [License]) async throws
    /// The license with this id.
    func license(id: String) async throws -> License?
    /// The license bought by this Checkout Session.
    func license(checkoutSession: String) async throws -> License?
    /// Licenses matching `filter`, newest first.
    func licenses(_ filter: LicenseFilter) async throws -> [License]
    /// The license whose key hashes to `keyHash`, and its device for `clientID` if any.
    func unlockLookup(keyHash: [UInt8], clientID: String) async throws -> UnlockLookup?
    /// The device whose token hashes to `tokenHash`, with its license.
    func deviceLookup(tokenHash: [UInt8]) async throws -> DeviceLookup?
    /// Gives `device` a slot of its license unless its browser has one or `limit` are taken.
    /// Race-free: concurrent activations never exceed `limit`.
    func activate(_ device: Device, limit: Int) async throws -> Activation
    /// Applies `change`; the changed license, or `nil` if there is none with this id.
    func change(licenseID: String, _ change: LicenseChange, at now: Date) async throws -> License?
    /// The devices of a license, oldest first.
    func devices(licenseID: String) async throws -> [Device]
    /// Removes a device of a license; whether there was one.
    func removeDevice(id: String, licenseID: String) async throws -> Bool
    /// Removes the device with this token hash (sign out); whether there was one.
    func removeDevice(tokenHash: [UInt8]) async throws -> Bool
    /// Records that a device was seen.
    func touch(deviceID: String, at now: Date) async throws
    /// Marks a license's key as shown on the success page; `true` only for the first call.
    func markDelivered(licenseID: String, at now: Date) async throws -> Bool
    /// Records the event `id` and applies `action` in one transaction, unless `id` was seen.
    func apply(stripeEvent id: String, type: String, at now: Date, action: StripeAction) async throws -> StripeOutcome
    /// Throws if the store cannot answer.
    func checkHealth() async throws
}

/// An error of the store itself (the database), not of the request.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// What failed.
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
