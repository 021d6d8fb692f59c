import Foundation

/// A ``LicenseStore`` in memory, for tests: an actor, so every method is atomic.
public actor InMemoryLicenseStore: LicenseStore {
    private var licensesByID: [String: License] = [:]
    private var order: [String] = []
    private var devicesByID: [String: Device] = [:]
    private var events: Set<String> = []

    /// An empty store.
    public init() {}

    public func insert(_ licenses: [License]) throws {
        for license in licenses where licensesByID[license.id] != nil || licensesByID.values.contains(where: { $0.keyHash == license.keyHash }) {
            throw StoreError("license \(license.id) exists")
        }
        for license in licenses {
            licensesByID[license.id] = license
            order.append(license.id)
        }
    }

    public func license(id: String) -> License? { licensesByID[id] }

    public func license(checkoutSession: String) -> License? {
        licensesByID.values.first { $0.stripe.session == checkoutSession }
    }

    public func licenses(_ filter: LicenseFilter) -> [License] {
        order.reversed().lazy.compactMap { self.licensesByID[$0] }
            .filter { filter.status == nil || $0.effectiveStatus(at: filter.now) == filter.status }
            .filter { filter.email == nil || $0.email?.lowercased() == filter.email?.lowercased() }
            .prefix(filter.limit).map { $0 }
    }

    private func devicesInUse(_ licenseID: String) -> Int {
        devicesByID.values.count { $0.licenseID == licenseID }
    }

    public func unlockLookup(keyHash: [UInt8], clientID: String) -> UnlockLookup? {
        guard let license = licensesByID.values.first(where: { $0.keyHash == keyHash }) else { return nil }
        let device = devicesByID.values.first { $0.licenseID == license.id && $0.clientID == clientID }
        return UnlockLookup(license: license, device: device, devicesInUse: devicesInUse(license.id))
    }

    public func deviceLookup(tokenHash: [UInt8]) -> DeviceLookup? {
        guard let device = devicesByID.values.first(where: { $0.tokenHash == tokenHash }),
              let license = licensesByID[device.licenseID] else { return nil }
        return DeviceLookup(device: device, license: license, devicesInUse: devicesInUse(license.id))
    }

    public func activate(_ device: Device, limit: Int) -> Activation {
        if let existing = devicesByID.values.first(where: { $0.licenseID == device.licenseID && $0.clientID == device.clientID }) {
            return .existing(existing, devicesInUse: devicesInUse(device.licenseID))
        }
        let inUse = devicesInUse(device.licenseID)
        guard inUse < limit else { return .limitReached(devicesInUse: inUse) }
        devicesByID[device.id] = device
        return .added(device, devicesInUse: inUse + 1)
    }

    public func change(licenseID: String, _ change: LicenseChange, at now: Date) -> License? {
        guard var license = licensesByID[licenseID] else { return nil }
        license.apply(change, at: now)
        licensesByID[licenseID] = license
        return license
    }

    public func devices(licenseID: String) -> [Device] {
        devicesByID.values.filter { $0.licenseID == licenseID }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    public func removeDevice(id: String, licenseID: String) -> Bool {
        guard devicesByID[id]?.licenseID == licenseID else { return false }
        devicesByID[id] = nil
        return true
    }

    public func removeDevice(tokenHash: [UInt8]) -> Bool {
        guard let device = devicesByID.values.first(where: { $0.tokenHash == tokenHash }) else { return false }
        devicesByID[device.id] = nil
        return true
    }

    public func touch(deviceID: String, at now: Date) {
        devicesByID[deviceID]?.lastSeenAt = now
    }

    public func markDelivered(licenseID: String, at now: Date) -> Bool {
        guard let license = licensesByID[licenseID], license.deliveredAt == nil else { return false }
        licensesByID[licenseID]?.deliveredAt = now
        return true
    }

    public func apply(stripeEvent id: String, type: String, at now: Date, action: StripeAction) throws -> StripeOutcome {
        guard !events.contains(id) else { return .duplicate }
        var changed: [String] = []
        switch action {
        case .issue(let license):
            if let existing = self.license(checkoutSession: license.stripe.session ?? "") {
                changed = [existing.id]
            } else {
                try insert([license])
                changed = [license.id]
            }
        case .expire(let subscription, let reason):
            for license in licensesByID.values where license.stripe.subscription == subscription {
                changed.append(license.id)
            }
            for id in changed { _ = change(licenseID: id, .expire(reason: reason), at: now) }
        case .revoke(let paymentIntent, let invoice, let reason):
            for license in licensesByID.values
            where (paymentIntent != nil && license.stripe.paymentIntent == paymentIntent) || (invoice != nil && license.stripe.invoice == invoice) {
                changed.append(license.id)
            }
            for id in changed { _ = change(licenseID: id, .revoke(reason: reason), at: now) }
        case .none:
            break
        }
        events.insert(id)
        return .applied(licenseIDs: changed.sorted())
    }

    public func checkHealth() {}
}

extension License {
    /// Applies `change` as every store does.
    mutating func apply(_ change: LicenseChange, at now: Date) {
        switch change {
        case .revoke(let reason):
            status = .revoked
            self.reason = reason
        case .expire(let reason):
            guard status == .active else { break }
            status = .expired
            self.reason = reason
        case .setExpiry(let date):
            setExpiry(date)
        case .extend(let days):
            setExpiry(max(expiresAt ?? now, now).addingTimeInterval(TimeInterval(days) * 86400))
        }
        updatedAt = now
    }

    private mutating func setExpiry(_ date: Date?) {
        expiresAt = date
        if status == .expired {
            status = .active
            reason = nil
        }
    }
}
