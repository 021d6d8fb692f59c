import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TollgateCrypto

@testable import TollgateServer

@Suite("Admin API: /v1/admin/…")
struct AdminAPITests {
    @Test("without the right bearer token nothing is answered; without a configured token the API is off")
    func authorization() async throws {
        let server = TestServer()
        try await server.test { client in
            let none = try await client.execute(uri: "/v1/admin/licenses", method: .get)
            #expect(none.status == .unauthorized)
            #expect(none.errorCode == "unauthorized")
            #expect(none.headers[.wwwAuthenticate] == "Bearer")
            let wrong = try await client.admin(.get, "/v1/admin/licenses", token: testAdminToken + "x")
            #expect(wrong.status == .unauthorized)
            let prefix = try await client.admin(.get, "/v1/admin/licenses", token: String(testAdminToken.dropLast()))
            #expect(prefix.status == .unauthorized)
            let issue = try await client.execute(uri: "/v1/admin/licenses", method: .post, body: ByteBuffer(string: #"{"tiers":["pro"]}"#))
            #expect(issue.status == .unauthorized)
        }
        var off = TestServer()
        off.secrets.adminToken = nil
        try await off.test { client in
            let response = try await client.admin(.get, "/v1/admin/licenses")
            #expect(response.status == .serviceUnavailable)
            #expect(response.errorCode == "admin_disabled")
        }
    }

    @Test("issue shows the key once; list, show, revoke, extend, devices and remove work on the same license")
    func lifecycle() async throws {
        let server = TestServer()
        let key: String = try await server.test { client in
            let issued = try await client.admin(
                .post, "/v1/admin/licenses",
                #"{"tiers": ["member"], "email": "ada@example.com", "device_limit": 2, "note": "conference", "expires_at": "2027-06-30"}"#
            )
            #expect(issued.status == .created)
            let key = try #require(issued.json["license_key"] as? String)
            #expect((try? LicenseKey(parsing: key)) != nil)
            let license = try #require(issued.json["license"] as? [String: Any])
            let id = try #require(license["id"] as? String)
            #expect(license["tiers"] as? [String] == ["member"])
            #expect(license["email"] as? String == "ada@example.com")
            #expect(license["device_limit"] as? Int == 2)
            #expect(license["expires_at"] as? String == "2027-06-30T00:00:00Z")
            #expect(license["status"] as? String == "active")
            #expect(license["source"] as? String == "admin")
            #expect(license["key_hash"] == nil && license["license_key"] == nil)

            #expect(try await client.unlock(key).status == .ok)

            let list = try await client.admin(.get, "/v1/admin/licenses?status=active&email=ADA@example.com")
            #expect((list.json["licenses"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])
            let noneRevoked = try await client.admin(.get, "/v1/admin/licenses?status=revoked")
            #expect((noneRevoked.json["licenses"] as? [Any])?.isEmpty == true)
            let badStatus = try await client.admin(.get, "/v1/admin/licenses?status=gone")
            #expect(badStatus.errorCode == "invalid_field")

            let shown = try await client.admin(.get, "/v1/admin/licenses/\(id)")
            #expect((shown.json["license"] as? [String: Any])?["devices_in_use"] as? Int == 1)
            let devices = try #require(shown.json["devices"] as? [[String: Any]])
            #expect(devices.count == 1)
            #expect(!shown.text.contains(key))

            let extended = try await client.admin(.post, "/v1/admin/licenses/\(id)/extend", #"{"days": 30}"#)
            #expect((extended.json["license"] as? [String: Any])?["expires_at"] as? String == "2027-07-30T00:00:00Z")
            let never = try await client.admin(.post, "/v1/admin/licenses/\(id)/extend", #"{"expires_at": null}"#)
            #expect((never.json["license"] as? [String: Any])?["expires_at"] is NSNull)
            let zero = try await client.admin(.post, "/v1/admin/licenses/\(id)/extend", #"{"days": 0}"#)
            #expect(zero.error["field"] as? String == "days")
            let both = try await client.admin(.post, "/v1/admin/licenses/\(id)/extend", #"{"expires_at": "2028-01-01", "days": 3}"#)
            #expect(both.status == .badRequest)

            let deviceID = try #require(devices.first?["id"] as? String)
            let removed = try await client.admin(.delete, "/v1/admin/licenses/\(id)/devices/\(deviceID)")
            #expect(removed.json["removed"] as? Bool == true)
            let removedAgain = try await client.admin(.delete, "/v1/admin/licenses/\(id)/devices/\(deviceID)")
            #expect(removedAgain.status == .notFound)
            let deviceList = try await client.admin(.get, "/v1/admin/licenses/\(id)/devices")
            #expect((deviceList.json["devices"] as? [Any])?.isEmpty == true)

            let revoked = try await client.admin(.post, "/v1/admin/licenses/\(id)/revoke", #"{"reason": "shared publicly"}"#)
            #expect((revoked.json["license"] as? [String: Any])?["status"] as? String == "revoked")
            let refused = try await client.unlock(key)
            #expect(refused.errorCode == "revoked")
            #expect(refused.error["reason"] as? String == "shared publicly")

            let notRecoverable = try await client.admin(.get, "/v1/admin/licenses/\(id)/key")
            #expect(notRecoverable.status == .conflict)
            #expect(notRecoverable.errorCode == "key_not_recoverable")
            return key
        }
        // The key is never logged.
        #expect(!server.log.lines.isEmpty)
        #expect(server.log.lines.allSatisfy { !$0.contains(key) })
    }

    @Test("extending an expired license makes it active again; revoking with no body works")
    func extendReactivates() async throws {
        let server = TestServer()
        let (license, key) = try await server.issue(expiresAt: server.clock.now.addingTimeInterval(60))
        server.clock.advance(120)
        try await server.test { client in
            #expect(try await client.unlock(key).errorCode == "expired")
            // Past its expiry, a license is expired everywhere: shown, listed and filtered so.
            let shown = try await client.admin(.get, "/v1/admin/licenses/\(license.id)")
            #expect((shown.json["license"] as? [String: Any])?["status"] as? String == "expired")
            let expiredList = try await client.admin(.get, "/v1/admin/licenses?status=expired")
            #expect((expiredList.json["licenses"] as? [[String: Any]])?.map { $0["id"] as? String } == [license.id])
            let activeList = try await client.admin(.get, "/v1/admin/licenses?status=active")
            #expect((activeList.json["licenses"] as? [Any])?.isEmpty == true)
            let past = try await client.admin(.post, "/v1/admin/licenses", #"{"tiers": ["pro"], "expires_at": "2020-01-01"}"#)
            #expect(past.error["field"] as? String == "expires_at")
            let extended = try await client.admin(.post, "/v1/admin/licenses/\(license.id)/extend", #"{"days": 1}"#)
            #expect(extended.status == .ok)
            #expect(try await client.unlock(key).status == .ok)
            let revoked = try await client.admin(.post, "/v1/admin/licenses/\(license.id)/revoke")
            #expect(revoked.status == .ok)
            // A revoked license stays revoked when extended.
            _ = try await client.admin(.post, "/v1/admin/licenses/\(license.id)/extend", #"{"days": 10}"#)
            #expect(try await client.unlock(key).errorCode == "revoked")
        }
    }

    @Test("invalid orders are refused with the field and a suggestion; unknown ids are 404")
    func invalidOrders() async throws {
        let server = TestServer()
        try await server.test { client in
            let typo = try await client.admin(.post, "/v1/admin/licenses", #"{"tiers": ["prp"]}"#)
            #expect(typo.status == .badRequest)
            #expect(typo.error["field"] as? String == "tiers")
            #expect((typo.error["message"] as? String)?.contains("did you mean 'pro'?") == true)
            let empty = try await client.admin(.post, "/v1/admin/licenses", #"{"tiers": []}"#)
            #expect(empty.errorCode == "invalid_field")
            let limit = try await client.admin(.post, "/v1/admin/licenses", #"{"tiers": ["pro"], "device_limit": 0}"#)
            #expect(limit.error["field"] as? String == "device_limit")
            let email = try await client.admin(.post, "/v1/admin/licenses", #"{"tiers": ["pro"], "email": "not an email"}"#)
            #expect(email.error["field"] as? String == "email")
            let date = try await client.admin(.post, "/v1/admin/licenses", #"{"tiers": ["pro"], "expires_at": "next week"}"#)
            #expect(date.error["field"] as? String == "expires_at")
            let types = try await client.admin(.post, "/v1/admin/licenses", #"{"tiers": "pro"}"#)
            #expect(types.error["field"] as? String == "tiers")
            for path in ["/v1/admin/licenses/lic_missing", "/v1/admin/licenses/lic_missing/devices", "/v1/admin/licenses/lic_missing/key"] {
                let response = try await client.admin(.get, path)
                #expect(response.status == .notFound, "\(path)")
            }
            let revoke = try await client.admin(.post, "/v1/admin/licenses/lic_missing/revoke")
            #expect(revoke.status == .notFound)
        }
    }
}
