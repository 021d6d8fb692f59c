import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TollgateCrypto

@testable import TollgateServer

/// One contract, three stores: every ``LicenseStore`` (in memory, SQLite, PostgreSQL) keeps
/// the same promises. The PostgreSQL run needs a server (see ``PostgresTestServer``).
@Suite("License store contract")
struct StoreContractTests {
    @Test("50 concurrent unlocks from different browsers against a limit of 3 give exactly 3 devices", arguments: StoreKind.available)
    func concurrentUnlocks(kind: StoreKind) async throws {
        let opened = try await kind.open()
        defer { Task { await opened.close() } }
        var server = TestServer {
            $0.licenseAttemptsPerMinute = 1000
            $0.clientRequestsPerMinute = 1000
        }
        server.store = opened.store
        let (license, key) = try await server.issue(deviceLimit: 3)
        let statuses = try await server.test(.live) { client in
            try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<50 {
                    group.addTask { try await client.unlock(key, device: "contract-device-\(String(format: "%04d", index))").status }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
        }
        #expect(statuses.filter { $0 == .ok }.count == 3)
        #expect(statuses.filter { $0 == .conflict }.count == 47)
        #expect(try await opened.store.devices(licenseID: license.id).count == 3)
    }

    @Test("activation is race-free in the store itself; a browser that holds a slot gets it again", arguments: StoreKind.available)
    func activationRace(kind: StoreKind) async throws {
        let opened = try await kind.open()
        defer { Task { await opened.close() } }
        let store = opened.store
        var server = TestServer()
        server.store = store
        let (license, _) = try await server.issue(deviceLimit: 3)
        let results = try await withThrowingTaskGroup(of: Activation.self) { group in
            for index in 0..<50 {
                let device = Device(
                    id: Device.newID(), licenseID: license.id, clientID: "client-\(index % 10)", tokenHash: Array(randomBytes(32)),
                    createdAt: server.clock.now, lastSeenAt: server.clock.now
                )
                group.addTask { try await store.activate(device, limit: 3) }
            }
            return try await group.reduce(into: [Activation]()) { $0.append($1) }
        }
        #expect(results.count { if case .added = $0 { true } else { false } } == 3)
        #expect(try await store.devices(licenseID: license.id).count == 3)
        let holder = try #require(try await store.devices(licenseID: license.id).first)
        let again = Device(id: Device.newID(), licenseID: license.id, clientID: holder.clientID, tokenHash: Array(randomBytes(32)), createdAt: server.clock.now, lastSeenAt: server.clock.now)
        #expect(try await store.activate(again, limit: 3) == .existing(holder, devicesInUse: 3))
    }

    @Test("what is written is read back whole, by id, session, key hash, token hash and filter; and after reopening", arguments: StoreKind.available)
    func roundTrip(kind: StoreKind) async throws {
        let opened = try await kind.open()
        defer { Task { await opened.close() } }
        var server = TestServer()
        server.store = opened.store
        let (license, key) = try await server.issue(["member", "pro"], deviceLimit: 4, expiresAt: Date(timeIntervalSince1970: 1_900_000_000))
        let token: String = try await server.test { client in try #require(try await client.unlock(key).json["device_token"] as? String) }
        _ = try await server.licensing.revoke(license.id, reason: "chargeback")
        let (expiring, _) = try await server.issue(expiresAt: Date(timeIntervalSince1970: 1_850_000_000))
        let later = Date(timeIntervalSince1970: 1_950_000_000)

        var stores = [opened.store]
        if let reopen = opened.reopen { stores.append(try await reopen()) }
        for store in stores {
            let read = try #require(try await store.license(id: license.id))
            #expect(read.tiers == ["member", "pro"])
            #expect(read.status == .revoked)
            #expect(read.reason == "chargeback")
            #expect(read.deviceLimit == 4)
            #expect(read.expiresAt == Date(timeIntervalSince1970: 1_900_000_000))
            #expect(read.keyHash == server.authority.lookupHash(of: try LicenseKey(parsing: key)))
            let device = try #require(try await store.deviceLookup(tokenHash: server.authority.lookupHash(ofDeviceToken: token)))
            #expect(device.license.id == license.id)
            #expect(device.devicesInUse == 1)
            let unlock = try #require(try await store.unlockLookup(keyHash: read.keyHash, clientID: device.device.clientID))
            #expect(unlock.device == device.device)
            #expect(try await store.unlockLookup(keyHash: read.keyHash, clientID: "another-browser-000")?.device == nil)
            #expect(try await store.licenses(LicenseFilter(status: .expired, now: later)).map(\.id) == [expiring.id])
            #expect(try await store.licenses(LicenseFilter(status: .active, now: later)).isEmpty)
            #expect(try await store.licenses(LicenseFilter(status: .active, now: server.clock.now)).map(\.id) == [expiring.id])
            #expect(try await store.licenses(LicenseFilter(status: .revoked, now: later)).map(\.id) == [license.id])
            #expect(try await store.licenses(LicenseFilter(now: later)).map(\.id) == [expiring.id, license.id])
            #expect(try await store.licenses(LicenseFilter(limit: 1, now: later)).map(\.id) == [expiring.id])
        }
        for store in stores.dropFirst() { await closeReopened(store) }
    }

    @Test("emails match without regard to case; changes, devices, sign-out and delivery behave alike", arguments: StoreKind.available)
    func changesAndDevices(kind: StoreKind) async throws {
        let opened = try await kind.open()
        defer { Task { await opened.close() } }
        let store = opened.store
        var server = TestServer()
        server.store = store
        let issued = try await server.licensing.issue(LicenseOrder(tiers: ["pro"], email: "Member@Example.com", source: "cli"))
        let license = issued[0].license
        #expect(try await store.licenses(LicenseFilter(email: "member@example.COM")).map(\.id) == [license.id])
        let now = server.clock.now
        let extended = try #require(try await store.change(licenseID: license.id, .extend(days: 10), at: now))
        #expect(extended.expiresAt == now.addingTimeInterval(10 * 86400))
        #expect(try await store.change(licenseID: "lic_0000000000000000", .revoke(reason: "x"), at: now) == nil)
        let device = Device(id: Device.newID(), licenseID: license.id, clientID: "browser-one-0000", tokenHash: Array(randomBytes(32)), createdAt: now, lastSeenAt: now)
        #expect(try await store.activate(device, limit: 3) == .added(device, devicesInUse: 1))
        try await store.touch(deviceID: device.id, at: now.addingTimeInterval(7200))
        #expect(try await store.devices(licenseID: license.id).first?.lastSeenAt == now.addingTimeInterval(7200))
        #expect(try await store.removeDevice(id: device.id, licenseID: "lic_other00000000") == false)
        #expect(try await store.removeDevice(tokenHash: device.tokenHash))
        #expect(try await store.removeDevice(tokenHash: device.tokenHash) == false)
        #expect(try await store.markDelivered(licenseID: license.id, at: now))
        #expect(try await store.markDelivered(licenseID: license.id, at: now) == false)
        try await store.checkHealth()
    }

    @Test("Stripe events apply once, atomically with the event record", arguments: StoreKind.available)
    func stripeIdempotence(kind: StoreKind) async throws {
        let opened = try await kind.open()
        defer { Task { await opened.close() } }
        let store = opened.store
        let server = TestServer()
        let key = server.authority.checkoutLicenseKey(session: "cs_x")
        let license = License(
            id: License.newID(), keyHash: server.authority.lookupHash(of: key), email: nil, tiers: ["pro"], status: .active, reason: nil,
            expiresAt: nil, deviceLimit: 3, createdAt: server.clock.now, updatedAt: server.clock.now, source: "stripe:evt_x", note: nil,
            stripe: StripeReferences(session: "cs_x", subscription: "sub_x", paymentIntent: "pi_x")
        )
        let now = server.clock.now
        #expect(try await store.apply(stripeEvent: "evt_x", type: "checkout.session.completed", at: now, action: .issue(license)) == .applied(licenseIDs: [license.id]))
        #expect(try await store.apply(stripeEvent: "evt_x", type: "checkout.session.completed", at: now, action: .issue(license)) == .duplicate)
        // Another event of the same session finds the license instead of making a second.
        var again = license
        again.id = License.newID()
        #expect(try await store.apply(stripeEvent: "evt_x2", type: "checkout.session.async_payment_succeeded", at: now, action: .issue(again)) == .applied(licenseIDs: [license.id]))
        #expect(try await store.apply(stripeEvent: "evt_y", type: "charge.refunded", at: now, action: .revoke(paymentIntent: "pi_x", invoice: nil, reason: "refunded")) == .applied(licenseIDs: [license.id]))
        #expect(try await store.license(id: license.id)?.status == .revoked)
        #expect(try await store.apply(stripeEvent: "evt_s", type: "customer.subscription.deleted", at: now, action: .expire(subscription: "sub_x", reason: "subscription_canceled")) == .applied(licenseIDs: [license.id]))
        // A failing action rolls the event record back with it: the retry applies.
        var clash = license
        clash.id = License.newID()
        clash.stripe.session = "cs_other"  // same key hash: the insert fails
        await #expect(throws: (any Error).self) {
            try await store.apply(stripeEvent: "evt_z", type: "checkout.session.completed", at: now, action: .issue(clash))
        }
        #expect(try await store.license(id: clash.id) == nil)
        #expect(try await store.apply(stripeEvent: "evt_z", type: "invoice.paid", at: now, action: .none) == .applied(licenseIDs: []))
    }

    @Test("inserting licenses is all or none", arguments: StoreKind.available)
    func insertAllOrNone(kind: StoreKind) async throws {
        let opened = try await kind.open()
        defer { Task { await opened.close() } }
        var server = TestServer()
        server.store = opened.store
        let (existing, _) = try await server.issue()
        let now = server.clock.now
        let fresh = License(id: License.newID(), keyHash: Array(randomBytes(32)), email: nil, tiers: ["pro"], status: .active, reason: nil, expiresAt: nil, deviceLimit: 3, createdAt: now, updatedAt: now, source: "cli", note: nil)
        var duplicate = fresh
        duplicate.id = License.newID()
        duplicate.keyHash = existing.keyHash
        await #expect(throws: (any Error).self) { try await opened.store.insert([fresh, duplicate]) }
        #expect(try await opened.store.license(id: fresh.id) == nil)
    }
}
