import Foundation
import Testing

@testable import TollgateServer

/// The webhook timestamp rule of docs/server.md, on both sides of each boundary: a signature
/// may be up to 300 s old and up to 30 s ahead of the server's clock (clock skew), no more.
@Suite("Stripe webhooks: the timestamp window")
struct StripeTimestampTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000.75)
    static let body = Array(#"{"id": "evt_1"}"#.utf8)

    static func verify(offset: Int) throws(StripeSignature.Failure) {
        let signature = StripeSignature(secret: testStripeSecret)
        let timestamp = Int(now.timeIntervalSince1970) + offset
        try signature.verify(header: signature.header(for: body, timestamp: timestamp), body: body, now: now)
    }

    @Test("accepted: 300 s old, now, 30 s in the future", arguments: [-300, -1, 0, 1, 29, 30])
    func accepted(offset: Int) throws {
        try Self.verify(offset: offset)
    }

    @Test("refused: 301 s old, 31 s or more in the future", arguments: [(-301, StripeSignature.Failure.stale(seconds: 301)), (31, .future(seconds: 31)), (3600, .future(seconds: 3600))])
    func refused(offset: Int, failure: StripeSignature.Failure) {
        #expect(throws: failure) { try Self.verify(offset: offset) }
    }

    @Test("the refusal of a future timestamp names the allowed skew")
    func futureMessage() {
        #expect(StripeSignature.Failure.future(seconds: 31).description.contains("more than the 30 s"))
    }

    @Test("over HTTP: 30 s ahead is received, 31 s ahead is a 400 bad_signature that changes nothing")
    func overHTTP() async throws {
        let server = TestServer()
        try await server.test { client in
            let late = try await StripeWebhookTests().send(client, StripeWebhookTests.checkout(event: "evt_31"), server: server, at: 31)
            #expect(late.status == .badRequest)
            #expect(late.errorCode == "bad_signature")
            #expect(try await server.store.licenses(.init()).isEmpty)
            let skewed = try await StripeWebhookTests().send(client, StripeWebhookTests.checkout(event: "evt_30"), server: server, at: 30)
            #expect(skewed.status == .ok)
        }
        #expect(try await server.store.licenses(.init()).count == 1)
    }
}
