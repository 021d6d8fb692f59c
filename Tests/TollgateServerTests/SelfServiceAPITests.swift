import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TollgateCrypto

@testable import TollgateServer

@Suite("Member self-service: /v1/license and /v1/devices/free")
struct SelfServiceAPITests {
    @Test("a device token lists its license's status, expiry, renew link and devices, marking the asking one")
    func listsOwnLicense() async throws {
        let server = TestServer { $0.renewURL = "https://buy.example.com/renew" }
        let expiry = server.clock.now.addingTimeInterval(30 * 86400)
        let (license, key) = try await server.issue(["pro"], expiresAt: expiry)
        try await server.test { client in
            let first = try await client.unlock(key, device: "browser-one-0123456789")
            server.clock.advance(1)
            _ = try await client.unlock(key, device: "browser-two-0123456789")
            let token = try #require(first.json["device_token"] as? String)
            let response = try await client.license(token: token)
            #expect(response.status == .ok)
            let about = try #require(response.json["license"] as? [String: Any])
            #expect(about["id"] as? String == license.id)
            #expect(about["status"] as? String == "active")
            #expect(about["tiers"] as? [String] == ["pro"])
            #expect(about["expires_at"] as? String == rfc3339(expiry))
            #expect(about["renew_url"] as? String == "https://buy.example.com/renew")
            #expect(about["device_limit"] as? Int == 3)
            let devices = try #require(response.json["devices"] as? [[String: Any]])
            #expect(devices.count == 2)
            #expect(devices.map { $0["this_device"] as? Bool } == [true, false])
            for device in devices {
                let id = try #require(device["id"] as? String)
                #expect(id.hasPrefix("dev_"))
                #expect((device["label"] as? String)?.hasSuffix(String(id.suffix(4))) == true)
                #expect(device["first_seen"] is String && device["last_seen"] is String)
                #expect(device["client_id"] == nil && device["token"] == nil)
            }
            #expect(!response.text.contains("browser-one") && !response.text.contains("dt_"))
        }
    }

    @Test("a device frees another device of its license, which then has to unlock again")
    func freesDevice() async throws {
        let server = TestServer()
        let (license, key) = try await server.issue(["pro"], deviceLimit: 2)
        try await server.test { client in
            let mine = try #require(try await client.unlock(key, device: "browser-one-0123456789").json["device_token"] as? String)
            server.clock.advance(1)
            let lostToken = try #require(try await client.unlock(key, device: "browser-two-0123456789").json["device_token"] as? String)
            #expect(try await client.unlock(key, device: "browser-new-0123456789").errorCode == "device_limit")
            let lost = try await server.store.devices(licenseID: license.id)[1]
            let freed = try await client.freeDevice(lost.id, token: mine)
            #expect(freed.status == .ok)
            #expect((freed.json["devices"] as? [[String: Any]])?.count == 1)
            #expect(try await client.post("/v1/refresh", #"{"device_token":\#(jsonString(lostToken))}"#).errorCode == "unknown_device")
            #expect(try await client.unlock(key, device: "browser-new-0123456789").status == .ok)
            #expect(try await client.freeDevice(lost.id, token: mine).errorCode == "unknown_device")
        }
    }

    @Test("a device token of license A can neither see nor free the devices of license B")
    func tokenSeesOnlyItsLicense() async throws {
        let server = TestServer()
        let (licenseA, keyA) = try await server.issue()
        let (licenseB, keyB) = try await server.issue()
        try await server.test { client in
            let tokenA = try #require(try await client.unlock(keyA, device: "browser-aaa-0123456789").json["device_token"] as? String)
            _ = try await client.unlock(keyB, device: "browser-bbb-0123456789")
            let deviceB = try await server.store.devices(licenseID: licenseB.id)[0]
            let listed = try await client.license(token: tokenA)
            #expect((listed.json["license"] as? [String: Any])?["id"] as? String == licenseA.id)
            #expect(!listed.text.contains(deviceB.id) && !listed.text.contains(licenseB.id))
            let attempt = try await client.freeDevice(deviceB.id, token: tokenA)
            #expect(attempt.status == .notFound)
            #expect(attempt.errorCode == "unknown_device")
        }
        #expect(try await server.store.devices(licenseID: licenseB.id).count == 1)
    }

    @Test("a member locked out of every slot frees one with the license key itself")
    func freeWithLicenseKey() async throws {
        let server = TestServer()
        let (license, key) = try await server.issue(["pro"], deviceLimit: 1)
        try await server.test { client in
            _ = try await client.unlock(key, device: "browser-lost-0123456789")
            #expect(try await client.unlock(key, device: "browser-new-0123456789").errorCode == "device_limit")
            let listed = try await client.post("/v1/license", #"{"license_key":\#(jsonString(key))}"#)
            #expect(listed.status == .ok)
            let devices = try #require(listed.json["devices"] as? [[String: Any]])
            #expect(devices.map { $0["this_device"] as? Bool } == [false])
            let id = try #require(devices.first?["id"] as? String)
            let freed = try await client.post("/v1/devices/free", #"{"license_key":\#(jsonString(key)),"device":\#(jsonString(id))}"#)
            #expect(freed.status == .ok)
            #expect(try await client.unlock(key, device: "browser-new-0123456789").status == .ok)
            let wrongKey = try await client.post("/v1/devices/free", #"{"license_key":\#(jsonString(LicenseKey.generate().text)),"device":\#(jsonString(id))}"#)
            #expect(wrongKey.errorCode == "unknown_license")
        }
        #expect(try await server.store.devices(licenseID: license.id).count == 1)
    }

    @Test("a revoked or expired license still shows its status to its device, with the renew link")
    func revokedAndExpiredStatus() async throws {
        let server = TestServer { $0.renewURL = "https://buy.example.com/renew" }
        let (revoked, revokedKey) = try await server.issue()
        let (_, expiringKey) = try await server.issue(expiresAt: server.clock.now.addingTimeInterval(3600))
        try await server.test { client in
            let revokedToken = try #require(try await client.unlock(revokedKey).json["device_token"] as? String)
            let expiringToken = try #require(try await client.unlock(expiringKey, device: "browser-exp-0123456789").json["device_token"] as? String)
            _ = try await server.store.change(licenseID: revoked.id, .revoke(reason: "refunded"), at: server.clock.now)
            server.clock.advance(3601)
            let about = try await client.license(token: revokedToken).json["license"] as? [String: Any]
            #expect(about?["status"] as? String == "revoked")
            #expect(about?["reason"] as? String == "refunded")
            let expired = try await client.license(token: expiringToken).json["license"] as? [String: Any]
            #expect(expired?["status"] as? String == "expired")
            #expect(expired?["renew_url"] as? String == "https://buy.example.com/renew")
        }
    }

    @Test("license revoke says when it takes effect and that the static site's keys must rotate")
    func revokeSummary() async throws {
        let server = TestServer()
        let (license, _) = try await server.issue(["pro", "member"])
        let revoked = try await server.licensing.revoke(license.id, reason: nil)
        let text = LicenseCommand.Revoke.summary(of: revoked)
        #expect(text.hasPrefix("revoked \(license.id) (tiers pro, member)\n"))
        #expect(text.contains("Takes effect on the license server now"))
        #expect(text.contains("next page load"))
        #expect(text.contains("tollgate keys rotate"))
    }

    @Test("bad proofs get clear errors; the endpoints share the member endpoints' rate limit and CORS")
    func badRequestsLimitsAndCORS() async throws {
        let server = TestServer { $0.clientRequestsPerMinute = 4 }
        let (_, key) = try await server.issue()
        try await server.test { client in
            let both = try await client.post("/v1/license", #"{"device_token":"dt_x","license_key":"K"}"#)
            #expect(both.status == .badRequest)
            #expect(try await client.license(token: "dt_" + String(repeating: "A", count: 43)).errorCode == "unknown_device")
            let token = try #require(try await client.unlock(key).json["device_token"] as? String)
            let badDevice = try await client.post("/v1/devices/free", #"{"device_token":\#(jsonString(token)),"device":"lic_1"}"#)
            #expect(badDevice.status == .badRequest)
            let limited = try await client.license(token: token)
            #expect(limited.errorCode == "rate_limited")
            server.clock.advance(60)
            let allowed = try await client.license(token: token, headers: [.origin: testOrigin])
            #expect(allowed.headers[.accessControlAllowOrigin] == testOrigin)
            let preflight = try await client.execute(
                uri: "/v1/devices/free", method: .options,
                headers: [.origin: testOrigin, .accessControlRequestMethod: "POST", .accessControlRequestHeaders: "content-type"]
            )
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == testOrigin)
        }
    }
}

extension TestClientProtocol {
    /// `POST /v1/license` with a device token.
    func license(token: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await post("/v1/license", #"{"device_token":\#(jsonString(token))}"#, headers: headers)
    }

    /// `POST /v1/devices/free` with a device token.
    func freeDevice(_ device: String, token: String) async throws -> TestResponse {
        try await post("/v1/devices/free", #"{"device_token":\#(jsonString(token)),"device":\#(jsonString(device))}"#)
    }
}
