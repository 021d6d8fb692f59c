import ArgumentParser
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Testing
import TollgateCrypto

@testable import TollgateServer

/// One server instance on a shared PostgreSQL database: its own pool, cache and listener.
struct PostgresInstance {
    var server: TestServer
    let database: PostgresLicenseStore
    let cache: CachingLicenseStore
    let listener: Task<Void, Never>?

    init(_ location: PostgresLocation, listening: Bool = true, adjust: (inout ServerConfiguration) -> Void = { _ in }) async throws {
        let database = try await PostgresLicenseStore.open(location, password: nil, operationTimeout: .seconds(3), logger: Logger(label: "test"))
        let cache = CachingLicenseStore(database)
        self.database = database
        self.cache = cache
        listener = listening ? Task { await ServerDatabase.postgres(database).watchChanges(for: cache) } : nil
        server = TestServer(adjust)
        server.store = cache
    }

    func close() async {
        listener?.cancel()
        _ = await listener?.value
        await database.close()
    }
}

/// The promises of one server kept by two instances on one PostgreSQL database.
@Suite("Several instances on PostgreSQL", .enabled(if: PostgresTestServer.available))
struct PostgresInstancesTests {
    func signed(_ body: String, at server: TestServer) -> HTTPFields {
        let header = StripeSignature(secret: testStripeSecret).header(for: Array(body.utf8), timestamp: Int(server.clock.now.timeIntervalSince1970))
        return [.stripeSignature: header]
    }

    @Test("50 concurrent unlocks of one license with limit 3, spread over two instances, give exactly 3 devices")
    func deviceLimitAcrossInstances() async throws {
        let location = try await PostgresTestServer.makeDatabase()
        let open = { try await PostgresInstance(location) { $0.licenseAttemptsPerMinute = 1000; $0.clientRequestsPerMinute = 1000 } }
        let a = try await open(), b = try await open()
        let (license, key) = try await a.server.issue(deviceLimit: 3)
        let statuses = try await a.server.test(.live) { clientA in
            try await b.server.test(.live) { clientB in
                try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                    for index in 0..<50 {
                        let client = index.isMultiple(of: 2) ? clientA : clientB
                        group.addTask { try await client.unlock(key, device: "instance-device-\(String(format: "%04d", index))").status }
                    }
                    return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
                }
            }
        }
        #expect(statuses.count { $0 == .ok } == 3)
        #expect(statuses.count { $0 == .conflict } == 47)
        #expect(try await a.database.devices(licenseID: license.id).count == 3)
        await a.close(); await b.close()
        await PostgresTestServer.drop(location)
    }

    @Test("the same Stripe event delivered to both instances at once makes one license, and both acknowledge it")
    func webhookIdempotencyAcrossInstances() async throws {
        let location = try await PostgresTestServer.makeDatabase()
        let a = try await PostgresInstance(location), b = try await PostgresInstance(location)
        let body = StripeWebhookTests.checkout(event: "evt_race", session: "cs_race")
        let headers = signed(body, at: a.server)
        let statuses = try await a.server.test(.live) { clientA in
            try await b.server.test(.live) { clientB in
                try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                    for index in 0..<20 {
                        let client = index.isMultiple(of: 2) ? clientA : clientB
                        group.addTask { try await client.post("/v1/webhooks/stripe", body, headers: headers).status }
                    }
                    return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
                }
            }
        }
        #expect(statuses.allSatisfy { $0 == .ok })
        #expect(try await a.database.licenses(LicenseFilter()).count == 1)
        await a.close(); await b.close()
        await PostgresTestServer.drop(location)
    }

    @Test("a brute force spread over two instances meets the same limits as against one (per license and per client)")
    func sharedRateLimits() async throws {
        let location = try await PostgresTestServer.makeDatabase()
        let limits: (inout ServerConfiguration) -> Void = { $0.licenseAttemptsPerMinute = 10; $0.clientRequestsPerMinute = 30 }
        let a = try await PostgresInstance(location, adjust: limits), b = try await PostgresInstance(location, adjust: limits)
        let (_, key) = try await a.server.issue(deviceLimit: 1000)
        let (perLicense, perClient) = try await a.server.test(.live) { clientA in
            try await b.server.test(.live) { clientB in
                var perLicense: [HTTPResponse.Status] = []
                for index in 0..<24 {
                    let client = index.isMultiple(of: 2) ? clientA : clientB
                    perLicense.append(try await client.unlock(key, device: "brute-device-\(String(format: "%04d", index))").status)
                }
                // The client's bucket had 30; the 24 requests above took 24 of them.
                var perClient: [HTTPResponse.Status] = []
                for index in 0..<12 {
                    let client = index.isMultiple(of: 2) ? clientA : clientB
                    perClient.append(try await client.unlock("K000-0000-0000-0000-0000-0000-0000", device: "brute-device-x\(index)000000").status)
                }
                return (perLicense, perClient)
            }
        }
        #expect(perLicense.count { $0 == .ok } == 10)
        #expect(perLicense.count { $0 == .tooManyRequests } == 14)
        #expect(perClient.count { $0 != .tooManyRequests } == 6)
        #expect(perClient.count { $0 == .tooManyRequests } == 6)
        await a.close(); await b.close()
        await PostgresTestServer.drop(location)
    }

    @Test("a revocation through one instance is seen by the other's cache at once (without the listener it would not be); a new license at once too")
    func revocationSeenByOtherInstance() async throws {
        let location = try await PostgresTestServer.makeDatabase()
        let a = try await PostgresInstance(location), b = try await PostgresInstance(location)
        let deaf = try await PostgresInstance(location, listening: false)
        let (license, key) = try await a.server.issue()
        let token: String = try await a.server.test { client in try #require(try await client.unlock(key).json["device_token"] as? String) }
        let refresh = #"{"device_token": "\#(token)"}"#
        // Both other instances now answer the refresh from memory.
        #expect(try await b.server.test { client in try await client.post("/v1/refresh", refresh).status } == .ok)
        #expect(try await deaf.server.test { client in try await client.post("/v1/refresh", refresh).status } == .ok)
        #expect(try await a.server.test { client in try await client.admin(.post, "/v1/admin/licenses/\(license.id)/revoke").status } == .ok)
        let started = ContinuousClock.now
        var seen = false
        // A generous bound for a CPU-starved run; the notification normally arrives in milliseconds.
        while !seen, ContinuousClock.now - started < .seconds(10) {
            seen = try await b.server.test { client in try await client.post("/v1/refresh", refresh).errorCode == "revoked" }
            if !seen { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(seen, "instance B still serves the revoked license after 10 s")
        print("revocation seen by the other instance after \(ContinuousClock.now - started)")
        #expect(try await deaf.server.test { client in try await client.post("/v1/refresh", refresh).status } == .ok)
        // A license issued through A unlocks through B at once: unknown keys are never remembered.
        let issued = try await a.server.test { client in try await client.admin(.post, "/v1/admin/licenses", #"{"tiers": ["pro"]}"#).json["license_key"] as? String }
        let newKey = try #require(issued)
        #expect(try await b.server.test { client in try await client.unlock(newKey, device: "new-license-device-01").status } == .ok)
        await a.close(); await b.close(); await deaf.close()
        await PostgresTestServer.drop(location)
    }

    @Test("a database that refuses connections gets 503 with Retry-After on member and webhook endpoints and /healthz; the server recovers by itself")
    func unreachableDatabase() async throws {
        let location = try await PostgresTestServer.makeDatabase()
        let a = try await PostgresInstance(location)
        let (_, key) = try await a.server.issue()
        let body = StripeWebhookTests.checkout(event: "evt_down", session: "cs_down")
        let headers = signed(body, at: a.server)
        try await a.server.test(.live) { client in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            try await PostgresTestServer.administer("ALTER DATABASE \(location.database) ALLOW_CONNECTIONS false")
            try await PostgresTestServer.terminateConnections(to: location)
            let unlock = try await client.unlock(key, device: "down-device-00000001")
            #expect(unlock.status == .serviceUnavailable)
            #expect(unlock.headers[.retryAfter] == "5")
            #expect(unlock.errorCode == "unavailable")
            let webhook = try await client.post("/v1/webhooks/stripe", body, headers: headers)
            #expect(webhook.status == .serviceUnavailable)
            #expect(webhook.headers[.retryAfter] == "5")
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .serviceUnavailable)
            #expect(health.text.contains("unreachable"))

            try await PostgresTestServer.administer("ALTER DATABASE \(location.database) ALLOW_CONNECTIONS true")
            var recovered = false
            let started = ContinuousClock.now
            while !recovered, ContinuousClock.now - started < .seconds(30) {
                recovered = try await client.unlock(key, device: "down-device-00000001").status == .ok
                if !recovered { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(recovered)
            #expect(try await client.post("/v1/webhooks/stripe", body, headers: headers).status == .ok)
        }
        // Nothing half-written: the refused webhook made no license; its retry made one.
        #expect(try await a.database.licenses(LicenseFilter()).count { $0.stripe.session == "cs_down" } == 1)
        await a.close()
        await PostgresTestServer.drop(location)
    }

    @Test("`tollgate-server migrate` on an empty database creates the schema; run again, it changes nothing")
    func migrateCommand() async throws {
        let location = try await PostgresTestServer.makeDatabase()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-migrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = folder.appendingPathComponent("server.yml").path
        try "tiers: [pro]\ndatabase: \(location.url)\ndatabase_tls: disable\n".write(toFile: config, atomically: true, encoding: .utf8)
        for _ in 0..<2 {
            var command = try ServerCommand.parseAsRoot(["migrate", "--config", config]) as? any AsyncParsableCommand
            try await command?.run()
        }
        let store = try await PostgresLicenseStore.open(location, password: nil, migrate: false, logger: Logger(label: "test"))
        let versions = try await store.rows("SELECT version FROM schema_migrations ORDER BY version")
        #expect(versions.map { $0.int("version") } == Array(1...PostgresMigrations.steps.count))
        await store.close()
        await PostgresTestServer.drop(location)
    }

    @Test("four instances migrating a new database at once: each step runs once; a newer schema is refused")
    func concurrentMigrations() async throws {
        let location = try await PostgresTestServer.makeDatabase()
        let stores = try await withThrowingTaskGroup(of: PostgresLicenseStore.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresLicenseStore.open(location, password: nil, logger: Logger(label: "test")) } }
            return try await group.reduce(into: [PostgresLicenseStore]()) { $0.append($1) }
        }
        let versions = try await stores[0].rows("SELECT version FROM schema_migrations ORDER BY version")
        #expect(versions.map { $0.int("version") } == Array(1...PostgresMigrations.steps.count))
        #expect(try await stores[0].migrate() == 0)
        _ = try await stores[0].rows("INSERT INTO schema_migrations (version, applied_at) VALUES (99, 0)")
        for store in stores { await store.close() }
        await #expect {
            _ = try await PostgresLicenseStore.open(location, password: nil, logger: Logger(label: "test"))
        } throws: { error in
            "\(error)".contains("schema version 99") && "\(error)".contains("upgrade tollgate-server")
        }
        await PostgresTestServer.drop(location)
    }
}
