import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Testing
import TollgateCrypto

@testable import TollgateServer

/// A fresh database file in a temporary folder.
func temporaryDatabase() throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-server-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder.appendingPathComponent("licenses.sqlite").path
}

@Suite("SQLite license store")
struct SQLiteStoreTests {
    @Test("50 concurrent unlocks from different browsers against a limit of 3 give exactly 3 devices")
    func concurrentActivation() async throws {
        let path = try temporaryDatabase()
        let store = try await SQLiteLicenseStore.open(path: path, logger: Logger(label: "test"))
        var server = TestServer {
            $0.licenseAttemptsPerMinute = 1000
            $0.clientRequestsPerMinute = 1000
        }
        server.store = store
        let (license, key) = try await server.issue(deviceLimit: 3)
        let statuses = try await server.test(.live) { client in
            try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<50 {
                    group.addTask { try await client.unlock(key, device: "concurrent-device-\(String(format: "%04d", index))").status }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
        }
        #expect(statuses.filter { $0 == .ok }.count == 3)
        #expect(statuses.filter { $0 == .conflict }.count == 47)
        #expect(try await store.devices(licenseID: license.id).count == 3)
        try await store.close()
    }

    @Test("activation is race-free in the store itself, in memory and in SQLite")
    func storeActivationRace() async throws {
        let path = try temporaryDatabase()
        let sqlite = try await SQLiteLicenseStore.open(path: path, logger: Logger(label: "test"))
        for store in [sqlite as any LicenseStore, InMemoryLicenseStore()] {
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
            let added = results.filter { if case .added = $0 { true } else { false } }
            #expect(added.count == 3)
            #expect(try await store.devices(licenseID: license.id).count == 3)
        }
        try await sqlite.close()
    }

    @Test("everything written is there after reopening; migrations run once; the file is private")
    func persistence() async throws {
        let path = try temporaryDatabase()
        var server = TestServer()
        let first = try await SQLiteLicenseStore.open(path: path, logger: Logger(label: "test"))
        server.store = first
        let (license, key) = try await server.issue(["member", "pro"], deviceLimit: 4, expiresAt: Date(timeIntervalSince1970: 1_900_000_000))
        let token: String = try await server.test { client in try #require(try await client.unlock(key).json["device_token"] as? String) }
        _ = try await server.licensing.revoke(license.id, reason: "chargeback")
        try await first.close()

        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        let second = try await SQLiteLicenseStore.open(path: path, logger: Logger(label: "test"))
        let reopened = try #require(try await second.license(id: license.id))
        #expect(reopened.tiers == ["member", "pro"])
        #expect(reopened.status == .revoked)
        #expect(reopened.reason == "chargeback")
        #expect(reopened.deviceLimit == 4)
        #expect(reopened.expiresAt == Date(timeIntervalSince1970: 1_900_000_000))
        #expect(reopened.keyHash == server.authority.lookupHash(of: try LicenseKey(parsing: key)))
        let device = try #require(try await second.deviceLookup(tokenHash: server.authority.lookupHash(ofDeviceToken: token)))
        #expect(device.license.id == license.id)
        #expect(try await second.integrityCheck() == "ok")
        let later = Date(timeIntervalSince1970: 1_950_000_000)
        var server2 = server
        server2.store = second
        let (expiring, _) = try await server2.issue(expiresAt: Date(timeIntervalSince1970: 1_900_000_000))
        #expect(try await second.licenses(LicenseFilter(status: .expired, now: later)).map(\.id) == [expiring.id])
        #expect(try await second.licenses(LicenseFilter(status: .active, now: later)).isEmpty)
        #expect(try await second.licenses(LicenseFilter(status: .active, now: server.clock.now)).map(\.id) == [expiring.id])
        #expect(try await second.licenses(LicenseFilter(status: .revoked, now: later)).map(\.id) == [license.id])
        try await second.close()
    }

    @Test("Stripe events apply once, atomically with the event record")
    func stripeIdempotence() async throws {
        let path = try temporaryDatabase()
        let store = try await SQLiteLicenseStore.open(path: path, logger: Logger(label: "test"))
        let server = TestServer()
        let key = server.authority.checkoutLicenseKey(session: "cs_x")
        let license = License(
            id: License.newID(), keyHash: server.authority.lookupHash(of: key), email: nil, tiers: ["pro"], status: .active, reason: nil,
            expiresAt: nil, deviceLimit: 3, createdAt: server.clock.now, updatedAt: server.clock.now, source: "stripe:evt_x", note: nil,
            stripe: StripeReferences(session: "cs_x", subscription: "sub_x", paymentIntent: "pi_x")
        )
        #expect(try await store.apply(stripeEvent: "evt_x", type: "checkout.session.completed", at: server.clock.now, action: .issue(license)) == .applied(licenseIDs: [license.id]))
        #expect(try await store.apply(stripeEvent: "evt_x", type: "checkout.session.completed", at: server.clock.now, action: .issue(license)) == .duplicate)
        #expect(try await store.apply(stripeEvent: "evt_y", type: "charge.refunded", at: server.clock.now, action: .revoke(paymentIntent: "pi_x", invoice: nil, reason: "refunded")) == .applied(licenseIDs: [license.id]))
        #expect(try await store.license(id: license.id)?.status == .revoked)
        // A failing action rolls the event record back with it: the retry applies.
        var clash = license
        clash.id = License.newID()
        clash.stripe.session = "cs_other"  // same key hash: the insert fails
        await #expect(throws: (any Error).self) {
            try await store.apply(stripeEvent: "evt_z", type: "checkout.session.completed", at: server.clock.now, action: .issue(clash))
        }
        #expect(try await store.apply(stripeEvent: "evt_z", type: "invoice.paid", at: server.clock.now, action: .none) == .applied(licenseIDs: []))
        try await store.close()
    }

    @Test("after issuing 1,000 licenses no key appears in the database, its WAL or the logs (at trace level)")
    func noKeyAtRest() async throws {
        let path = try temporaryDatabase()
        let store = try await SQLiteLicenseStore.open(path: path, logger: Logger(label: "test"))
        var server = TestServer()
        server.store = store
        let keys: [String] = try await server.test { client in
            var keys: [String] = []
            for index in 0..<1000 {
                let issued = try await client.admin(.post, "/v1/admin/licenses", #"{"tiers": ["pro"], "email": "member\#(index)@example.com"}"#)
                keys.append(try #require(issued.json["license_key"] as? String))
            }
            for key in keys.prefix(50) {
                let unlocked = try await client.unlock(key)
                #expect(unlocked.status == .ok)
                // Device tokens are secrets too.
                keys.append(try #require(unlocked.json["device_token"] as? String))
            }
            return keys
        }
        #expect(try await store.licenses(LicenseFilter(limit: 5000)).count == 1000)
        let database = try Data(contentsOf: URL(fileURLWithPath: path))
        let wal = (try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data()
        #expect(wal.count > 0, "the WAL should hold recent writes while the store is open")
        let log = Data(server.log.lines.joined(separator: "\n").utf8)
        #expect(!server.log.lines.isEmpty)
        for key in keys {
            let forms = [key, key.replacingOccurrences(of: "-", with: ""), key.lowercased()].map { Data($0.utf8) }
            for form in forms {
                #expect(database.range(of: form) == nil)
                #expect(wal.range(of: form) == nil)
                #expect(log.range(of: form) == nil)
            }
        }
        // The hashes of the keys are what is stored: the check above could have found the keys.
        let firstHash = Data(server.authority.lookupHash(of: try LicenseKey(parsing: keys[0])))
        #expect(database.range(of: firstHash) != nil || wal.range(of: firstHash) != nil)
        try await store.close()
    }

    @Test("a database from a newer server is refused with a clear message")
    func newerSchema() async throws {
        let path = try temporaryDatabase()
        let store = try await SQLiteLicenseStore.open(path: path, logger: Logger(label: "test"))
        try await store.close()
        // Mark the schema as version 99, as a later tollgate-server would.
        let bump = try await SQLiteLicenseStoreTestHook.execute(path: path, "INSERT INTO schema_migrations (version, applied_at) VALUES (99, 0)")
        #expect(bump)
        await #expect {
            _ = try await SQLiteLicenseStore.open(path: path, logger: Logger(label: "test"))
        } throws: { error in
            "\(error)".contains("schema version 99") && "\(error)".contains("upgrade tollgate-server")
        }
    }
}

import SQLiteNIO

/// Raw SQL on a database file, for states no server makes.
enum SQLiteLicenseStoreTestHook {
    static func execute(path: String, _ sql: String) async throws -> Bool {
        let connection = try await SQLiteConnection.open(storage: .file(path: path))
        _ = try await connection.rows(sql)
        try await connection.close()
        return true
    }
}

@Suite("Lookups from memory")
struct CachingStoreTests {
    @Test("this server's revocation and sign-out take effect at once; the command line's (another connection) within the watch interval")
    func invalidation() async throws {
        let path = try temporaryDatabase()
        let sqlite = try await SQLiteLicenseStore.open(path: path, logger: Logger(label: "test"))
        let cached = CachingLicenseStore(sqlite)
        var server = TestServer()
        server.store = cached
        let (first, firstKey) = try await server.issue()
        let (second, secondKey) = try await server.issue()
        let (firstToken, secondToken): (String, String) = try await server.test { client in
            let a = try #require(try await client.unlock(firstKey).json["device_token"] as? String)
            let b = try #require(try await client.unlock(secondKey).json["device_token"] as? String)
            return (a, b)
        }
        try await server.test { client in
            // Served from memory now.
            #expect(try await client.post("/v1/refresh", #"{"device_token": "\#(firstToken)"}"#).status == .ok)
            #expect(try await client.unlock(firstKey).status == .ok)
            // A revocation through this server: refused at once, by both lookups.
            let revoked = try await client.admin(.post, "/v1/admin/licenses/\(first.id)/revoke")
            #expect(revoked.status == .ok)
            #expect(try await client.post("/v1/refresh", #"{"device_token": "\#(firstToken)"}"#).errorCode == "revoked")
            #expect(try await client.unlock(firstKey).errorCode == "revoked")
            // The other license is unaffected, and now in memory again.
            #expect(try await client.post("/v1/refresh", #"{"device_token": "\#(secondToken)"}"#).status == .ok)
        }

        // The command line is another process: another connection on the same file. Without
        // the watch, the cached answer would be served (200) for as long as the server runs.
        let watcher = Task { await cached.watch(every: .milliseconds(50)) { try await sqlite.dataVersion() } }
        try await Task.sleep(for: .milliseconds(150))
        let commandLine = try await SQLiteLicenseStore.open(path: path, readers: 1, logger: Logger(label: "test"))
        _ = try await commandLine.change(licenseID: second.id, .revoke(reason: "revoked"), at: server.clock.now)
        try await commandLine.close()
        try await Task.sleep(for: .milliseconds(400))
        try await server.test { client in
            let refused = try await client.post("/v1/refresh", #"{"device_token": "\#(secondToken)"}"#)
            #expect(refused.errorCode == "revoked")
        }
        watcher.cancel()
        _ = await watcher.value
        try await sqlite.close()
    }
}
