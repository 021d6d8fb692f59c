import Foundation
import NIOConcurrencyHelpers

/// A ``LicenseStore`` that answers the two lookups of the member endpoints (unlock of a
/// browser that already holds a slot, and refresh) from memory, and passes everything else
/// to the store it wraps.
///
/// Every write through this store empties the cache after it completes, so this server's
/// own changes (revocations from the admin API, sign-outs, Stripe events) take effect at
/// once. Writes by another process on the same database (the command line) are noticed by
/// ``watch(every:changeCounter:)`` within its interval. A lookup that ran while a write
/// completed is not kept, so the cache never holds anything older than the last write.
public final class CachingLicenseStore: LicenseStore {
    private struct UnlockKey: Hashable {
        let keyHash: [UInt8]
        let clientID: String
    }

    private struct State {
        var generation = 0
        var devices: [[UInt8]: DeviceLookup] = [:]
        var unlocks: [UnlockKey: UnlockLookup] = [:]
    }

    /// The store that holds the truth.
    public let base: any LicenseStore
    private let state = NIOLockedValueBox(State())
    private let capacity: Int

    /// Caches lookups of `base`, at most `capacity` of each kind.
    public init(_ base: any LicenseStore, capacity: Int = 100_000) {
        self.base = base
        self.capacity = capacity
    }

    /// Empties the cache; lookups in flight are not kept.
    public func invalidate() {
        state.withLockedValue { state in
            state.generation += 1
            state.devices.removeAll(keepingCapacity: true)
            state.unlocks.removeAll(keepingCapacity: true)
        }
    }

    /// Polls `changeCounter` (SQLite's `PRAGMA data_version`, which changes when another
    /// connection commits) every `interval` and empties the cache when it changes, until the
    /// task is cancelled.
    public func watch(every interval: Duration, changeCounter: @escaping @Sendable () async throws -> Int) async {
        var last = try? await changeCounter()
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            guard let now = try? await changeCounter() else { continue }
            if now != last { invalidate() }
            last = now
        }
    }

    private var generation: Int { state.withLockedValue { $0.generation } }

    private func write<T>(_ body: () async throws -> T) async throws -> T {
        defer { invalidate() }
        return try await body()
    }

    // MARK: Cached lookups

    public func unlockLookup(keyHash: [UInt8], clientID: String) async throws -> UnlockLookup? {
        let key = UnlockKey(keyHash: keyHash, clientID: clientID)
        if let hit = state.withLockedValue({ $0.unlocks[key] }) { return hit }
        let started = generation
        let found = try await base.unlockLookup(keyHash: keyHash, clientID: clientID)
        // Only a browser that holds a slot is worth remembering: a first unlock writes next.
        if let found, found.device != nil {
            state.withLockedValue { state in
                guard state.generation == started else { return }
                if state.unlocks.count >= capacity { state.unlocks.removeAll(keepingCapacity: true) }
                state.unlocks[key] = found
            }
        }
        return found
    }

    public func deviceLookup(tokenHash: [UInt8]) async throws -> DeviceLookup? {
        if let hit = state.withLockedValue({ $0.devices[tokenHash] }) { return hit }
        let started = generation
        let found = try await base.deviceLookup(tokenHash: tokenHash)
        if let found {
            state.withLockedValue { state in
                guard state.generation == started else { return }
                if state.devices.count >= capacity { state.devices.removeAll(keepingCapacity: true) }
                state.devices[tokenHash] = found
            }
        }
        return found
    }

    // MARK: Passed through

    public func insert(_ licenses: [License]) async throws { try await write { try await base.insert(licenses) } }
    public func license(id: String) async throws -> License? { try await base.license(id: id) }
    public func license(checkoutSession: String) async throws -> License? { try await base.license(checkoutSession: checkoutSession) }
    public func licenses(_ filter: LicenseFilter) async throws -> [License] { try await base.licenses(filter) }
    public func activate(_ device: Device, limit: Int) async throws -> Activation { try await write { try await base.activate(device, limit: limit) } }
    public func change(licenseID: String, _ change: LicenseChange, at now: Date) async throws -> License? {
        try await write { try await base.change(licenseID: licenseID, change, at: now) }
    }
    public func devices(licenseID: String) async throws -> [Device] { try await base.devices(licenseID: licenseID) }
    public func removeDevice(id: String, licenseID: String) async throws -> Bool { try await write { try await base.removeDevice(id: id, licenseID: licenseID) } }
    public func removeDevice(tokenHash: [UInt8]) async throws -> Bool { try await write { try await base.removeDevice(tokenHash: tokenHash) } }
    public func touch(deviceID: String, at now: Date) async throws { try await write { try await base.touch(deviceID: deviceID, at: now) } }
    public func markDelivered(licenseID: String, at now: Date) async throws -> Bool { try await write { try await base.markDelivered(licenseID: licenseID, at: now) } }
    public func apply(stripeEvent id: String, type: String, at now: Date, action: StripeAction) async throws -> StripeOutcome {
        try await write { try await base.apply(stripeEvent: id, type: type, at: now, action: action) }
    }
    public func checkHealth() async throws { try await base.checkHealth() }
}
