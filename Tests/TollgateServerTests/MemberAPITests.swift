import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TollgateCrypto

@testable import TollgateServer

@Suite("Member API: /v1/unlock, /v1/refresh, /v1/signout")
struct MemberAPITests {
    @Test("unlock gives the tier keys of every served epoch, current first, a device token and the device count")
    func unlockGivesKeys() async throws {
        let server = TestServer()
        let (_, key) = try await server.issue(["pro", "concurrency"])
        try await server.test { client in
            let response = try await client.unlock(key)
            #expect(response.status == .ok)
            let keys = try #require(response.json["keys"] as? [[String: Any]])
            #expect(keys.map { "\($0["tier"]!)@\($0["epoch"]!)" } == ["pro@2", "concurrency@2", "pro@1", "concurrency@1"])
            for entry in keys {
                let expected = serverTestMasterKey.tierKey(entry["tier"] as! String, epoch: entry["epoch"] as! Int)
                #expect(entry["kid"] as? String == expected.id)
                #expect(entry["key"] as? String == expected.base64EncodedSecret())
            }
            let token = try #require(response.json["device_token"] as? String)
            #expect(token.hasPrefix("dt_") && token.count == 46)
            #expect(response.json["expires_at"] is NSNull)
            #expect(response.json["tiers"] as? [String] == ["pro", "concurrency"])
            #expect(response.json["devices"] as? [String: Int] == ["in_use": 1, "limit": 3])
        }
    }

    @Test("the same browser unlocking again keeps its slot and its token")
    func sameDeviceKeepsSlot() async throws {
        let server = TestServer()
        let (license, key) = try await server.issue()
        try await server.test { client in
            let first = try await client.unlock(key, device: "browser-one-0123456789")
            let second = try await client.unlock(key, device: "browser-one-0123456789")
            #expect(first.json["device_token"] as? String == second.json["device_token"] as? String)
            #expect(second.json["devices"] as? [String: Int] == ["in_use": 1, "limit": 3])
            let other = try await client.unlock(key, device: "browser-two-0123456789")
            #expect(other.json["device_token"] as? String != first.json["device_token"] as? String)
            #expect(other.json["devices"] as? [String: Int] == ["in_use": 2, "limit": 3])
        }
        #expect(try await server.store.devices(licenseID: license.id).count == 2)
        // One log line per new device, none for a returning one.
        #expect(server.log.lines.filter { $0.contains("device added") }.count == 2)
    }

    @Test("a key typed in lowercase and without hyphens is the same key")
    func lenientKeyInput() async throws {
        let server = TestServer()
        let (_, key) = try await server.issue()
        try await server.test { client in
            let response = try await client.unlock(key.lowercased().replacingOccurrences(of: "-", with: ""))
            #expect(response.status == .ok)
        }
    }

    @Test("unknown, mistyped and malformed requests get their own errors")
    func badRequests() async throws {
        let server = TestServer()
        let (_, key) = try await server.issue()
        try await server.test { client in
            let unknown = try await client.unlock(LicenseKey.generate().text)
            #expect(unknown.status == .unauthorized)
            #expect(unknown.errorCode == "unknown_license")

            var typo = Array(key)
            typo[5] = typo[5] == "A" ? "B" : "A"
            let mistyped = try await client.unlock(String(typo))
            #expect(mistyped.status == .badRequest)
            #expect(mistyped.errorCode == "malformed_license_key")

            let accessCode = try await client.unlock(serverTestMasterKey.accessCode("pro", epoch: 2).text)
            #expect(accessCode.errorCode == "malformed_license_key")

            let wrongType = try await client.post("/v1/unlock", #"{"license_key": 42, "device_id": "device-0123456789abcdef"}"#)
            #expect(wrongType.status == .badRequest)
            #expect(wrongType.errorCode == "invalid_field")
            #expect(wrongType.error["field"] as? String == "license_key")
            #expect((wrongType.error["message"] as? String)?.contains("must be a string") == true)

            let missing = try await client.post("/v1/unlock", #"{"license_key": "\#(key)"}"#)
            #expect(missing.errorCode == "invalid_field")
            #expect(missing.error["field"] as? String == "device_id")

            let badDevice = try await client.unlock(key, device: "short")
            #expect(badDevice.errorCode == "invalid_field")

            for body in ["not json", "[1, 2]", "\"text\"", ""] {
                let response = try await client.post("/v1/unlock", body)
                #expect(response.status == .badRequest, "\(body)")
                #expect(response.errorCode == "invalid_json", "\(body)")
            }

            let nullToken = try await client.post("/v1/refresh", #"{"device_token": null}"#)
            #expect(nullToken.errorCode == "invalid_field")
        }
    }

    @Test("a body over the limit is refused with 413, whether or not it says its length")
    func bodyLimit() async throws {
        let server = TestServer()
        try await server.test { client in
            let big = #"{"license_key": "\#(String(repeating: "K", count: 5000))", "device_id": "x"}"#
            let response = try await client.post("/v1/unlock", big)
            #expect(response.status == .contentTooLarge)
            #expect(response.errorCode == "body_too_large")
        }
        try await server.test(.live) { client in
            let big = String(repeating: "A", count: 10_000)
            let response = try await client.execute(uri: "/v1/refresh", method: .post, headers: [.transferEncoding: "chunked"], body: ByteBuffer(string: big))
            #expect(response.status == .contentTooLarge)
        }
    }

    @Test("revoked, refunded and expired licenses get 403 saying which, with the renewal address")
    func refusedLicenses() async throws {
        let server = TestServer()
        let (revoked, revokedKey) = try await server.issue()
        let (refunded, refundedKey) = try await server.issue()
        let (_, expiredKey) = try await server.issue(expiresAt: server.clock.now.addingTimeInterval(3600))
        _ = try await server.licensing.revoke(revoked.id, reason: nil)
        _ = try await server.store.change(licenseID: refunded.id, .revoke(reason: "refunded"), at: server.clock.now)
        try await server.test { client in
            let before = try await client.unlock(expiredKey)
            #expect(before.status == .ok)
            #expect(before.json["expires_at"] as? String == "2027-01-15T09:00:00Z")
            server.clock.advance(3601)

            let r1 = try await client.unlock(revokedKey)
            #expect(r1.status == .forbidden)
            #expect(r1.errorCode == "revoked")
            #expect(r1.error["reason"] as? String == "revoked")

            let r2 = try await client.unlock(refundedKey)
            #expect(r2.errorCode == "revoked")
            #expect(r2.error["reason"] as? String == "refunded")
            #expect((r2.error["message"] as? String)?.contains("refunded") == true)

            let r3 = try await client.unlock(expiredKey)
            #expect(r3.status == .forbidden)
            #expect(r3.errorCode == "expired")
            #expect(r3.error["expires_at"] as? String == "2027-01-15T09:00:00Z")
            #expect(r3.error["renew_url"] as? String == "https://courses.example.com/pricing/")
            #expect((r3.error["message"] as? String)?.contains("expired on 2027-01-15") == true)
        }
    }

    @Test("the device limit is enforced, and the error says how many are in use and how to free one")
    func deviceLimit() async throws {
        let server = TestServer()
        let (license, key) = try await server.issue(deviceLimit: 2)
        try await server.test { client in
            #expect(try await client.unlock(key, device: "device-a-0123456789").status == .ok)
            #expect(try await client.unlock(key, device: "device-b-0123456789").status == .ok)
            let third = try await client.unlock(key, device: "device-c-0123456789")
            #expect(third.status == .conflict)
            #expect(third.errorCode == "device_limit")
            #expect(third.error["devices_in_use"] as? Int == 2)
            #expect(third.error["device_limit"] as? Int == 2)
            #expect((third.error["message"] as? String)?.contains("Sign out") == true)
            // Freeing a slot lets the third in.
            let first = try #require(try await server.store.devices(licenseID: license.id).first)
            try await server.licensing.removeDevice(first.id, of: license.id)
            #expect(try await client.unlock(key, device: "device-c-0123456789").status == .ok)
        }
    }

    @Test("refresh gives the keys again for a device token; signing out frees the slot and ends the token")
    func refreshAndSignOut() async throws {
        let server = TestServer()
        let (license, key) = try await server.issue(deviceLimit: 1)
        try await server.test { client in
            let unlocked = try await client.unlock(key)
            let token = try #require(unlocked.json["device_token"] as? String)
            let refreshed = try await client.post("/v1/refresh", #"{"device_token": "\#(token)"}"#)
            #expect(refreshed.status == .ok)
            #expect(refreshed.json["device_token"] as? String == token)
            #expect((refreshed.json["keys"] as? [[String: Any]])?.count == 2)

            let forged = try await client.post("/v1/refresh", #"{"device_token": "dt_\#(String(repeating: "A", count: 43))"}"#)
            #expect(forged.status == .unauthorized)
            #expect(forged.errorCode == "unknown_device")
            let garbage = try await client.post("/v1/refresh", #"{"device_token": "nonsense"}"#)
            #expect(garbage.errorCode == "unknown_device")

            let out = try await client.post("/v1/signout", #"{"device_token": "\#(token)"}"#)
            #expect(out.json["signed_out"] as? Bool == true)
            let again = try await client.post("/v1/signout", #"{"device_token": "\#(token)"}"#)
            #expect(again.json["signed_out"] as? Bool == false)
            let after = try await client.post("/v1/refresh", #"{"device_token": "\#(token)"}"#)
            #expect(after.errorCode == "unknown_device")
            // The slot is free: another browser fits under a limit of 1.
            #expect(try await client.unlock(key, device: "another-browser-0123").status == .ok)
        }
        #expect(try await server.store.devices(licenseID: license.id).count == 1)
    }

    @Test("refresh of a revoked or expired license is refused; after a rotation it gives the new epoch first")
    func refreshFollowsLicenseAndEpoch() async throws {
        let server = TestServer()
        let (license, key) = try await server.issue()
        let token: String = try await server.test { client in
            try #require(try await client.unlock(key).json["device_token"] as? String)
        }
        var rotated = server
        rotated.configuration.epochs = [3, 2]
        try await rotated.test { client in
            let response = try await client.post("/v1/refresh", #"{"device_token": "\#(token)"}"#)
            let keys = try #require(response.json["keys"] as? [[String: Any]])
            #expect(keys.map { $0["epoch"] as? Int } == [3, 2])
            #expect(keys.first?["kid"] as? String == serverTestMasterKey.tierKey("pro", epoch: 3).id)
        }
        _ = try await server.licensing.revoke(license.id, reason: nil)
        try await rotated.test { client in
            let response = try await client.post("/v1/refresh", #"{"device_token": "\#(token)"}"#)
            #expect(response.status == .forbidden)
            #expect(response.errorCode == "revoked")
        }
    }

    @Test("attempts per license key and requests per client are limited, with Retry-After")
    func rateLimits() async throws {
        let server = TestServer {
            $0.licenseAttemptsPerMinute = 3
            $0.clientRequestsPerMinute = 5
        }
        let (_, key) = try await server.issue()
        let (_, other) = try await server.issue()
        try await server.test { client in
            for _ in 0..<3 {
                let response = try await client.unlock(key)
                #expect(response.status == .ok)
            }
            let limited = try await client.unlock(key)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.errorCode == "rate_limited")
            #expect(limited.headers[.retryAfter] == "20")
            #expect(limited.error["retry_after"] as? Int == 20)
            // Another key still works until the client's own budget runs out (5 a minute).
            #expect(try await client.unlock(other).status == .ok)
            let clientLimited = try await client.unlock(other)
            #expect(clientLimited.status == .tooManyRequests)
            server.clock.advance(60)
            #expect(try await client.unlock(key).status == .ok)
        }
    }

    @Test("X-Forwarded-For names the client only when the peer is a trusted proxy")
    func clientAddress() {
        let trusted: Set = ["127.0.0.1"]
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: "203.0.113.9", trustedProxies: trusted) == "203.0.113.9")
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: "198.51.100.1, 203.0.113.9, 127.0.0.1", trustedProxies: trusted) == "203.0.113.9")
        #expect(ClientAddress.resolve(peer: "192.0.2.7", forwardedFor: "203.0.113.9", trustedProxies: trusted) == "192.0.2.7")
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: "not-an-ip", trustedProxies: trusted) == "127.0.0.1")
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: nil, trustedProxies: trusted) == "127.0.0.1")
        #expect(ClientAddress.resolve(peer: "::1", forwardedFor: "2001:db8::1", trustedProxies: ["::1"]) == "2001:db8::1")
    }

    @Test("behind a trusted proxy, each forwarded client has its own budget; others cannot spoof one")
    func rateLimitPerForwardedClient() async throws {
        let server = TestServer {
            $0.clientRequestsPerMinute = 2
            $0.trustedProxies = ["127.0.0.1"]
        }
        let (_, key) = try await server.issue()
        try await server.test(.live) { client in
            for _ in 0..<2 {
                let response = try await client.unlock(key, headers: [.xForwardedFor: "203.0.113.1"])
                #expect(response.status == .ok)
            }
            #expect(try await client.unlock(key, headers: [.xForwardedFor: "203.0.113.1"]).status == .tooManyRequests)
            #expect(try await client.unlock(key, headers: [.xForwardedFor: "203.0.113.2"]).status == .ok)
        }
        let untrusting = TestServer { $0.clientRequestsPerMinute = 2 }
        let (_, key2) = try await untrusting.issue()
        try await untrusting.test(.live) { client in
            for index in 0..<2 {
                let response = try await client.unlock(key2, headers: [.xForwardedFor: "203.0.113.\(index)"])
                #expect(response.status == .ok)
            }
            #expect(try await client.unlock(key2, headers: [.xForwardedFor: "203.0.113.9"]).status == .tooManyRequests)
        }
    }

    @Test("CORS: configured origins only, never with credentials; admin endpoints have none")
    func cors() async throws {
        let server = TestServer()
        let (_, key) = try await server.issue()
        try await server.test { client in
            let preflight = try await client.execute(uri: "/v1/unlock", method: .options, headers: [
                .origin: testOrigin, .accessControlRequestMethod: "POST", .accessControlRequestHeaders: "content-type",
            ])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == testOrigin)
            #expect(preflight.headers[.accessControlAllowMethods] == "POST")
            #expect(preflight.headers[.accessControlAllowHeaders] == "Content-Type")
            #expect(preflight.headers[.accessControlAllowCredentials] == nil)

            let allowed = try await client.unlock(key, headers: [.origin: testOrigin])
            #expect(allowed.headers[.accessControlAllowOrigin] == testOrigin)
            #expect(allowed.headers[.accessControlAllowCredentials] == nil)
            #expect(allowed.headers[.vary] == "Origin")
            let refused = try await client.unlock(key, headers: [.origin: "https://evil.example"])
            #expect(refused.headers[.accessControlAllowOrigin] == nil)
            let errorResponse = try await client.unlock("K", headers: [.origin: testOrigin])
            #expect(errorResponse.status == .badRequest)
            #expect(errorResponse.headers[.accessControlAllowOrigin] == testOrigin)

            let evilPreflight = try await client.execute(uri: "/v1/unlock", method: .options, headers: [.origin: "https://evil.example"])
            #expect(evilPreflight.status == .forbidden)
            #expect(evilPreflight.headers[.accessControlAllowOrigin] == nil)

            let adminPreflight = try await client.execute(uri: "/v1/admin/licenses", method: .options, headers: [.origin: testOrigin])
            #expect(adminPreflight.headers[.accessControlAllowOrigin] == nil)
            let admin = try await client.execute(uri: "/v1/admin/licenses", method: .get, headers: [.origin: testOrigin, .authorization: "Bearer \(testAdminToken)"])
            #expect(admin.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test("/healthz answers ok; unknown paths get a JSON 404")
    func healthAndNotFound() async throws {
        let server = TestServer()
        try await server.test { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(health.json["status"] as? String == "ok")
            let missing = try await client.execute(uri: "/v1/nothing", method: .get)
            #expect(missing.status == .notFound)
            #expect(missing.errorCode == "not_found")
            let wrongMethod = try await client.execute(uri: "/v1/unlock", method: .get)
            #expect(wrongMethod.errorCode == "not_found")
        }
    }
}
