import Foundation
import TollgateCrypto
import TollgateYAML

/// The secrets of a server, read from the environment (and the master key file).
/// None of them is ever logged or shown.
public struct ServerSecrets: Sendable {
    /// The site's master key (`TOLLGATE_MASTER_KEY`, or the key file).
    public var masterKey: MasterKey
    /// The admin API's bearer token (`TOLLGATE_ADMIN_TOKEN`); no admin API without it.
    public var adminToken: String?
    /// The Stripe webhook signing secret (`STRIPE_WEBHOOK_SECRET`).
    public var stripeWebhookSecret: String?

    /// Secrets given directly (tests).
    public init(masterKey: MasterKey, adminToken: String? = nil, stripeWebhookSecret: String? = nil) {
        self.masterKey = masterKey
        self.adminToken = adminToken
        self.stripeWebhookSecret = stripeWebhookSecret
    }

    /// The shortest admin token accepted.
    public static let minimumAdminTokenLength = 32

    /// Reads the secrets from `environment`, and the master key from the configured file
    /// when `TOLLGATE_MASTER_KEY` is not set.
    /// - Throws: ``SecretsError`` saying what is missing or wrong, never echoing a value.
    public static func load(environment: [String: String], configuration: ServerConfiguration) throws(SecretsError) -> ServerSecrets {
        let masterKey: MasterKey
        if let text = environment["TOLLGATE_MASTER_KEY"], !text.isEmpty {
            do {
                masterKey = try MasterKey(base64: text)
            } catch {
                throw SecretsError("TOLLGATE_MASTER_KEY is not a master key (base64 of 32 bytes, as in the site's key file)")
            }
        } else if let file = configuration.masterKeyFile {
            do {
                masterKey = try KeyFile.read(at: file)
            } catch {
                throw SecretsError("cannot use the master key file: \(error.description). Set TOLLGATE_MASTER_KEY, or point 'master_key_file' (or 'site') at the key the site is built with")
            }
        } else {
            throw SecretsError("no master key: set TOLLGATE_MASTER_KEY (base64, the key the site is built with) or 'master_key_file' in server.yml")
        }
        let adminToken = environment["TOLLGATE_ADMIN_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        if let adminToken, adminToken.count < minimumAdminTokenLength {
            throw SecretsError("TOLLGATE_ADMIN_TOKEN is too short: use at least \(minimumAdminTokenLength) random characters (e.g. openssl rand -base64 32)")
        }
        let stripe = environment["STRIPE_WEBHOOK_SECRET"].flatMap { $0.isEmpty ? nil : $0 }
        return ServerSecrets(masterKey: masterKey, adminToken: adminToken, stripeWebhookSecret: stripe)
    }
}

/// A secret that is missing or malformed.
public struct SecretsError: Error, CustomStringConvertible, Sendable {
    /// What to fix.
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// A tier key as the unlock result carries it, with its JSON made once.
struct ServedKey: Sendable {
    let tier: String
    let epoch: Int
    let kid: String
    /// `{"tier":…,"epoch":…,"kid":…,"key":…}`.
    let json: String

    init(tier: String, epoch: Int, kid: String, key: String) {
        self.tier = tier
        self.epoch = epoch
        self.kid = kid
        json = #"{"tier":\#(Encoding.jsonString(tier)),"epoch":\#(epoch),"kid":\#(Encoding.jsonString(kid)),"key":\#(Encoding.jsonString(key))}"#
    }
}

/// The tier keys the server hands out: every configured tier at every served epoch,
/// derived once at start.
struct KeyRing: Sendable {
    private let keys: [String: [ServedKey]]
    private let epochs: [Int]

    init(authority: LicenseAuthority, tiers: [String], epochs: [Int]) {
        var keys: [String: [ServedKey]] = [:]
        for tier in tiers {
            keys[tier] = epochs.map { epoch in
                let key = authority.tierKey(tier, epoch: epoch)
                return ServedKey(tier: tier, epoch: epoch, kid: key.id, key: key.base64EncodedSecret())
            }
        }
        self.keys = keys
        self.epochs = epochs
    }

    /// The keys of `tiers`, current epoch first; tiers the site no longer has are skipped.
    func keys(for tiers: [String]) -> [ServedKey] {
        epochs.indices.flatMap { index in tiers.compactMap { keys[$0]?[index] } }
    }
}

/// A request that could not be carried out: what is wrong, in words for the person who asked.
public enum LicensingError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A field is invalid.
    case invalid(field: String, message: String)
    /// No license or device has this id.
    case notFound(String)
    /// The key of this license was random and shown once; it cannot be shown again.
    case notRecoverable(String)

    public var description: String {
        switch self {
        case .invalid(_, let message): message
        case .notFound(let what): "no \(what)"
        case .notRecoverable(let id):
            "the key of \(id) was shown once when it was issued and is not stored; revoke it and issue a new one"
        }
    }
}

/// What an admin asks for when issuing a license.
public struct LicenseOrder: Sendable {
    /// Tiers to unlock (at least one, each configured).
    public var tiers: [String]
    /// The member's email.
    public var email: String?
    /// When it stops unlocking.
    public var expiresAt: Date?
    /// Devices at once (default: the configuration's).
    public var deviceLimit: Int?
    /// A note for the seller.
    public var note: String?
    /// `admin` (API) or `cli`.
    public var source: String

    /// An order; only `tiers` is required.
    public init(tiers: [String], email: String? = nil, expiresAt: Date? = nil, deviceLimit: Int? = nil, note: String? = nil, source: String) {
        self.tiers = tiers
        self.email = email
        self.expiresAt = expiresAt
        self.deviceLimit = deviceLimit
        self.note = note
        self.source = source
    }
}

/// The operations on licenses that the admin API, the command line and the Stripe webhook
/// share, so each behaves the same wherever it is started from.
public struct Licensing: Sendable {
    /// The server's configuration.
    public let configuration: ServerConfiguration
    /// Hashes and keys from the master key.
    public let authority: LicenseAuthority
    /// Where licenses live.
    public let store: any LicenseStore
    /// The time (tests move it).
    public let now: @Sendable () -> Date

    /// A licensing service over `store`.
    public init(configuration: ServerConfiguration, authority: LicenseAuthority, store: any LicenseStore, now: @escaping @Sendable () -> Date = Date.init) {
        self.configuration = configuration
        self.authority = authority
        self.store = store
        self.now = now
    }

    /// Issues `count` licenses as `order` says, all in one transaction.
    /// - Returns: each license with its key; the only time the keys exist outside a browser.
    public func issue(_ order: LicenseOrder, count: Int = 1) async throws -> [(license: License, key: LicenseKey)] {
        try validate(order)
        guard (1...10_000).contains(count) else { throw LicensingError.invalid(field: "count", message: "count must be between 1 and 10000") }
        let time = now()
        let issued = (0..<count).map { _ in
            let key = LicenseKey.generate()
            let license = License(
                id: License.newID(), keyHash: authority.lookupHash(of: key), email: order.email.map(normalizedEmail), tiers: order.tiers,
                status: .active, reason: nil, expiresAt: order.expiresAt, deviceLimit: order.deviceLimit ?? configuration.defaultDeviceLimit,
                createdAt: time, updatedAt: time, source: order.source, note: order.note
            )
            return (license: license, key: key)
        }
        try await store.insert(issued.map(\.license))
        return issued
    }

    func validate(_ order: LicenseOrder) throws(LicensingError) {
        guard !order.tiers.isEmpty else {
            throw .invalid(field: "tiers", message: "name at least one tier (\(configuration.tiers.joined(separator: ", ")))")
        }
        for tier in order.tiers where !configuration.tiers.contains(tier) {
            throw .invalid(
                field: "tiers",
                message: "unknown tier '\(tier)'\(Suggestion.hint(for: tier, in: configuration.tiers)); the tiers are \(configuration.tiers.joined(separator: ", "))"
            )
        }
        if let limit = order.deviceLimit, !(1...1000).contains(limit) {
            throw .invalid(field: "device_limit", message: "the device limit must be between 1 and 1000")
        }
        if let email = order.email, !(email.contains("@") && email.count <= 254 && !email.contains(where: \.isWhitespace)) {
            throw .invalid(field: "email", message: "'\(email)' is not an email address")
        }
        if let expiry = order.expiresAt, expiry <= now() {
            throw .invalid(field: "expires_at", message: "the expiry \(rfc3339(expiry)) is in the past")
        }
        if let note = order.note, note.count > 1000 {
            throw .invalid(field: "note", message: "the note is longer than 1000 characters")
        }
    }

    private func normalizedEmail(_ email: String) -> String { email.trimmingCharacters(in: .whitespaces) }

    /// The license `id`.
    public func license(_ id: String) async throws -> License {
        guard let license = try await store.license(id: id) else { throw LicensingError.notFound("license \(id)") }
        return license
    }

    /// Revokes license `id`: it no longer unlocks and gets no keys of a new epoch.
    public func revoke(_ id: String, reason: String?) async throws -> License {
        guard let license = try await store.change(licenseID: id, .revoke(reason: reason ?? "revoked"), at: now()) else {
            throw LicensingError.notFound("license \(id)")
        }
        return license
    }

    /// Sets license `id`'s expiry (`nil`: never); an expired license becomes active again.
    public func extend(_ id: String, until date: Date?) async throws -> License {
        guard let license = try await store.change(licenseID: id, .setExpiry(date), at: now()) else {
            throw LicensingError.notFound("license \(id)")
        }
        return license
    }

    /// Adds `days` to license `id`'s expiry (counted from now if it has passed or there is none).
    public func extend(_ id: String, byDays days: Int) async throws -> License {
        guard (1...36500).contains(days) else { throw LicensingError.invalid(field: "days", message: "days must be between 1 and 36500") }
        guard let license = try await store.change(licenseID: id, .extend(days: days), at: now()) else {
            throw LicensingError.notFound("license \(id)")
        }
        return license
    }

    /// The devices holding license `id`.
    public func devices(_ id: String) async throws -> [Device] {
        _ = try await license(id)
        return try await store.devices(licenseID: id)
    }

    /// Frees the slot of device `deviceID` of license `id`.
    public func removeDevice(_ deviceID: String, of id: String) async throws {
        _ = try await license(id)
        guard try await store.removeDevice(id: deviceID, licenseID: id) else {
            throw LicensingError.notFound("device \(deviceID) on license \(id)")
        }
    }

    /// The key of a license bought through Stripe Checkout, derived again from its session.
    public func recoverKey(_ id: String) async throws -> LicenseKey {
        let license = try await license(id)
        guard let session = license.stripe.session else { throw LicensingError.notRecoverable(id) }
        return authority.checkoutLicenseKey(session: session)
    }
}
