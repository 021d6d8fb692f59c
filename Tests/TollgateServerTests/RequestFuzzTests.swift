import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TollgateCrypto
import TollgateTestSupport

@testable import TollgateServer

/// Seeded mutation fuzzing of the server's JSON bodies, through `buildApplication`: every
/// answer is a JSON document below 500, and the server still answers afterwards. Bounded by
/// `TOLLGATE_FUZZ_SECONDS` and `TOLLGATE_FUZZ_RUNS`; each target prints its seed.
@Suite("fuzzing request bodies", .serialized)
struct RequestFuzzTests {
    static let dictionary = [
        "\"", "\\", "\\u0000", "\\ud800", "{", "}", "[", "]", ",", ":", "null", "true", "false", "-0", "1e999",
        "18446744073709551616", "-1", "0", "\"license_key\":", "\"device_id\":", "\"device_token\":", "\"days\":",
        "\"expires_at\":", "\"device\":", "dev_", "\"tiers\":[\"pro\"]", "\"device_limit\":", "\"email\":", "\"reason\":", "\"type\":",
        "\"data\":{\"object\":", "\"id\":", "\"metadata\":{", "\"payment_link\":\"plink_pro\"", "K", "-", "dt_",
        "\u{FEFF}", "é", "\u{202E}", " ", "\n",
    ]

    /// One fuzz target per endpoint: its path, the admin token or not, and valid bodies to start
    /// from (`KEY`, `TOKEN`, `LICENSE` and `DEVICE` stand for a real license key, device token,
    /// license id and device id).
    static let targets: [(name: String, method: HTTPRequest.Method, path: String, admin: Bool, seeds: [String])] = [
        ("unlock", .post, "/v1/unlock", false, [#"{"license_key":"KEY","device_id":"device-0123456789abcdef"}"#]),
        ("refresh", .post, "/v1/refresh", false, [#"{"device_token":"TOKEN"}"#]),
        ("signout", .post, "/v1/signout", false, [#"{"device_token":"TOKEN"}"#]),
        ("license", .post, "/v1/license", false, [#"{"device_token":"TOKEN"}"#, #"{"license_key":"KEY"}"#]),
        ("devices-free", .post, "/v1/devices/free", false, [
            #"{"device_token":"TOKEN","device":"DEVICE"}"#, #"{"license_key":"KEY","device":"DEVICE"}"#,
        ]),
        ("admin-issue", .post, "/v1/admin/licenses", true, [
            #"{"tiers":["pro"],"email":"a@example.com","device_limit":2,"expires_at":"2030-01-01T00:00:00Z"}"#,
            #"{"tiers":["member","concurrency"],"count":3}"#,
        ]),
        ("admin-extend", .post, "/v1/admin/licenses/LICENSE/extend", true, [#"{"days":30}"#, #"{"expires_at":"2031-05-01T00:00:00Z"}"#]),
        ("admin-revoke", .post, "/v1/admin/licenses/LICENSE/revoke", true, [#"{"reason":"refund"}"#]),
    ]

    @Test("member and admin endpoints answer any body with JSON below 500", arguments: targets.map(\.name))
    func endpoint(_ name: String) async throws {
        let target = Self.targets.first { $0.name == name }!
        let server = TestServer {
            $0.clientRequestsPerMinute = 1_000_000
            $0.licenseAttemptsPerMinute = 1_000_000
        }
        let (license, key) = try await server.issue()
        try await server.test { client in
            var fuzzer = Fuzzer(target: "request-\(name)")
            let token = try #require(try await client.unlock(key).json["device_token"] as? String)
            let device = try #require(try await server.store.devices(licenseID: license.id).first).id
            let seeds = target.seeds.map {
                $0.replacingOccurrences(of: "KEY", with: key).replacingOccurrences(of: "TOKEN", with: token).replacingOccurrences(of: "DEVICE", with: device)
            }
            let path = target.path.replacingOccurrences(of: "LICENSE", with: license.id)
            try await fuzzer.run(seeds: seeds, dictionary: Self.dictionary) { body in
                var headers: HTTPFields = [.contentType: "application/json"]
                if target.admin { headers[.authorization] = "Bearer \(testAdminToken)" }
                let response = try await client.execute(uri: path, method: target.method, headers: headers, body: .init(string: body))
                try Self.expectWellFormed(response, for: body)
            }
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
    }

    @Test("signed Stripe events of any shape are answered with JSON below 500")
    func stripeEvents() async throws {
        let server = TestServer()
        let signature = StripeSignature(secret: testStripeSecret)
        let seeds = [
            StripeWebhookTests.checkout(),
            StripeWebhookTests.event("evt_2", "customer.subscription.deleted", #"{"id":"sub_1","object":"subscription"}"#),
            StripeWebhookTests.event("evt_3", "charge.refunded", #"{"id":"ch_1","payment_intent":"pi_1","refunded":true}"#),
        ]
        try await server.test { client in
            var fuzzer = Fuzzer(target: "request-stripe")
            try await fuzzer.run(seeds: seeds, dictionary: Self.dictionary) { body in
                let header = signature.header(for: Array(body.utf8), timestamp: Int(server.clock.now.timeIntervalSince1970))
                let response = try await client.post("/v1/webhooks/stripe", body, headers: [.stripeSignature: header])
                try Self.expectWellFormed(response, for: body)
            }
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
    }

    /// A status below 500 and, for an error, the API's JSON error shape.
    static func expectWellFormed(_ response: TestResponse, for body: String) throws {
        try #require(response.status.code < 500, "status \(response.status.code) for body:\n\(body)\n\(response.text)")
        if response.status.code >= 400 {
            try #require(response.errorCode != nil, "status \(response.status.code) without a JSON error for body:\n\(body)\n\(response.text)")
        }
    }
}
