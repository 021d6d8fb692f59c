import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import TollgateServer

/// Admin bodies fail closed: an absent field is not an explicit `null`, and a field the
/// endpoint does not know (a typo) is a 400, never silently ignored.
@Suite("Admin API: strict bodies")
struct AdminBodyTests {
    static let expiry = "2027-01-31T00:00:00Z"

    /// Extend bodies that must be refused, each with the field the error names.
    static let refusedExtensions: [(body: String, field: String)] = [
        ("{}", "days"),
        (#"{"days": null}"#, "days"),
        (#"{"day": 30}"#, "day"),
        (#"{"days": 30, "note": "x"}"#, "note"),
        (#"{"days": 0}"#, "days"),
        (#"{"days": -5}"#, "days"),
        (#"{"days": "30"}"#, "days"),
        (#"{"expires_at": "soon"}"#, "expires_at"),
        (#"{"expires_at": null, "days": 3}"#, "days"),
        (#"{"Expires_At": null}"#, "Expires_At"),
    ]

    @Test("extend refuses {}, {\"days\": null}, a misspelt field and any other bad body, and leaves the expiry alone", arguments: refusedExtensions)
    func refusedExtension(body: String, field: String) async throws {
        let server = TestServer()
        let (license, _) = try await server.issue(expiresAt: try Date(Self.expiry, strategy: .iso8601))
        try await server.test { client in
            let response = try await client.admin(.post, "/v1/admin/licenses/\(license.id)/extend", body)
            #expect(response.status == .badRequest, "\(body)")
            #expect(response.error["field"] as? String == field, "\(body): \(response.text)")
        }
        let stored = try await server.licensing.license(license.id)
        #expect(stored.expiresAt.map(rfc3339) == Self.expiry, "\(body) changed the expiry")
    }

    @Test("a misspelt field gets a suggestion and the list of fields the endpoint takes")
    func suggestion() async throws {
        let server = TestServer()
        let (license, _) = try await server.issue()
        try await server.test { client in
            let response = try await client.admin(.post, "/v1/admin/licenses/\(license.id)/extend", #"{"day": 30}"#)
            let message = response.error["message"] as? String ?? ""
            #expect(message.contains("did you mean 'days'?"), "\(message)")
            #expect(message.contains("days, expires_at"), "\(message)")
        }
    }

    @Test("only an explicit \"expires_at\": null removes the expiry; days and a date set it")
    func explicitNull() async throws {
        let server = TestServer()
        let (license, _) = try await server.issue(expiresAt: try Date(Self.expiry, strategy: .iso8601))
        try await server.test { client in
            let path = "/v1/admin/licenses/\(license.id)/extend"
            let never = try await client.admin(.post, path, #"{"expires_at": null}"#)
            #expect(never.status == .ok)
            #expect((never.json["license"] as? [String: Any])?["expires_at"] is NSNull)
            let dated = try await client.admin(.post, path, #"{"expires_at": "2028-02-01"}"#)
            #expect((dated.json["license"] as? [String: Any])?["expires_at"] as? String == "2028-02-01T00:00:00Z")
            let days = try await client.admin(.post, path, #"{"days": 1}"#)
            #expect((days.json["license"] as? [String: Any])?["expires_at"] as? String == "2028-02-02T00:00:00Z")
        }
    }

    @Test("unknown fields are refused on every admin endpoint that reads a body or a query")
    func unknownFieldsEverywhere() async throws {
        let server = TestServer()
        let (license, _) = try await server.issue()
        try await server.test { client in
            let issue = try await client.admin(.post, "/v1/admin/licenses", #"{"tiers": ["pro"], "device_limt": 2}"#)
            #expect(issue.status == .badRequest)
            #expect(issue.error["field"] as? String == "device_limt")
            #expect((issue.error["message"] as? String)?.contains("did you mean 'device_limit'?") == true)
            let revoke = try await client.admin(.post, "/v1/admin/licenses/\(license.id)/revoke", #"{"reson": "refund"}"#)
            #expect(revoke.status == .badRequest)
            #expect(revoke.error["field"] as? String == "reson")
            let list = try await client.admin(.get, "/v1/admin/licenses?stat=active")
            #expect(list.status == .badRequest)
            #expect(list.error["field"] as? String == "stat")
            let notObject = try await client.admin(.post, "/v1/admin/licenses/\(license.id)/extend", "[1]")
            #expect(notObject.errorCode == "invalid_json")
            // Nothing was revoked or issued by the refused requests.
            #expect(try await server.licensing.license(license.id).status == .active)
            #expect(try await server.licensing.store.licenses(.init(now: server.clock.now)).count == 1)
        }
    }
}
