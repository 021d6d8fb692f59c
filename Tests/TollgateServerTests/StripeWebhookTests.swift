import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TollgateCrypto

@testable import TollgateServer

@Suite("Stripe webhooks and the checkout success page")
struct StripeWebhookTests {
    static func checkout(event: String = "evt_1", session: String = "cs_test_a1", link: String? = "plink_pro", metadata: [String: String] = [:], paymentStatus: String = "paid") -> String {
        let metadataJSON = metadata.map { "\(jsonString($0.key)): \(jsonString($0.value))" }.joined(separator: ", ")
        return """
        {"id": "\(event)", "object": "event", "type": "checkout.session.completed", "api_version": "2024-06-20",
         "data": {"object": {"id": "\(session)", "object": "checkout.session", "payment_status": "\(paymentStatus)",
           "payment_link": \(link.map { "\"\($0)\"" } ?? "null"), "metadata": {\(metadataJSON)},
           "customer": "cus_1", "customer_details": {"email": "buyer@example.com", "name": "B. Uyer"},
           "subscription": "sub_1", "payment_intent": "pi_1", "invoice": null, "amount_total": 4900,
           "line_items": null}}}
        """
    }

    static func event(_ id: String, _ type: String, _ object: String) -> String {
        #"{"id": "\#(id)", "object": "event", "type": "\#(type)", "data": {"object": \#(object)}}"#
    }

    func send(_ client: any TestClientProtocol, _ body: String, server: TestServer, at offset: Int = 0, secret: String = testStripeSecret, tamper: Bool = false) async throws -> TestResponse {
        let timestamp = Int(server.clock.now.timeIntervalSince1970) + offset
        let header = StripeSignature(secret: secret).header(for: Array(body.utf8), timestamp: timestamp)
        let sent = tamper ? body.replacingOccurrences(of: "plink_pro", with: "plink_prx") : body
        return try await client.post("/v1/webhooks/stripe", sent, headers: [.stripeSignature: header])
    }

    @Test("a signed checkout.session.completed issues one license; the success page shows its key once")
    func checkoutIssuesLicense() async throws {
        let server = TestServer()
        try await server.test { client in
            let received = try await send(client, Self.checkout(), server: server)
            #expect(received.status == .ok)
            #expect(received.json["duplicate"] as? Bool == false)

            let license = try #require(try await server.store.license(checkoutSession: "cs_test_a1"))
            #expect(license.tiers == ["pro"])
            #expect(license.email == "buyer@example.com")
            #expect(license.source == "stripe:evt_1")
            #expect(license.stripe == StripeReferences(session: "cs_test_a1", customer: "cus_1", subscription: "sub_1", paymentIntent: "pi_1"))

            let page = try await client.execute(uri: "/checkout/success?session_id=cs_test_a1", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.cacheControl] == "no-store")
            let key = server.authority.checkoutLicenseKey(session: "cs_test_a1").text
            #expect(page.text.contains(key))
            #expect(try await client.unlock(key).status == .ok)

            let again = try await client.execute(uri: "/checkout/success?session_id=cs_test_a1", method: .get)
            #expect(!again.text.contains(key))
            #expect(again.text.contains("already shown"))

            let recovered = try await client.admin(.get, "/v1/admin/licenses/\(license.id)/key")
            #expect(recovered.json["license_key"] as? String == key)
        }
        #expect(server.log.lines.allSatisfy { !$0.contains(server.authority.checkoutLicenseKey(session: "cs_test_a1").text) })
    }

    @Test("the success page waits for a late webhook and refuses malformed session ids")
    func successPageStates() async throws {
        let server = TestServer()
        try await server.test { client in
            let pending = try await client.execute(uri: "/checkout/success?session_id=cs_test_late", method: .get)
            #expect(pending.status == .ok)
            #expect(pending.text.contains("http-equiv=\"refresh\""))
            let malformed = try await client.execute(uri: "/checkout/success?session_id=%3Cscript%3E", method: .get)
            #expect(malformed.status == .badRequest)
            #expect(!malformed.text.contains("<script>"))
            let missing = try await client.execute(uri: "/checkout/success", method: .get)
            #expect(missing.status == .badRequest)
        }
    }

    @Test("a replayed event id changes nothing and says duplicate")
    func duplicateEvent() async throws {
        let server = TestServer()
        try await server.test { client in
            #expect(try await send(client, Self.checkout(), server: server).json["duplicate"] as? Bool == false)
            let replay = try await send(client, Self.checkout(), server: server)
            #expect(replay.status == .ok)
            #expect(replay.json["duplicate"] as? Bool == true)
            // Another event for the same session (a retry with a new id) does not make a second license.
            #expect(try await send(client, Self.checkout(event: "evt_2"), server: server).status == .ok)
        }
        #expect(try await server.store.licenses(LicenseFilter()).count == 1)
    }

    @Test("tampered, stale, future, unsigned and wrongly signed events are refused and change nothing")
    func badSignatures() async throws {
        let server = TestServer()
        try await server.test { client in
            let tampered = try await send(client, Self.checkout(), server: server, tamper: true)
            #expect(tampered.status == .badRequest)
            #expect(tampered.errorCode == "bad_signature")
            let stale = try await send(client, Self.checkout(), server: server, at: -301)
            #expect(stale.errorCode == "bad_signature")
            #expect((stale.error["message"] as? String)?.contains("tolerance") == true)
            let future = try await send(client, Self.checkout(), server: server, at: 600)
            #expect(future.errorCode == "bad_signature")
            #expect((future.error["message"] as? String)?.contains("future") == true)
            let otherSecret = try await send(client, Self.checkout(), server: server, secret: "whsec_other")
            #expect(otherSecret.errorCode == "bad_signature")
            let unsigned = try await client.post("/v1/webhooks/stripe", Self.checkout())
            #expect(unsigned.errorCode == "bad_signature")
            let v0Only = try await client.post("/v1/webhooks/stripe", Self.checkout(), headers: [.stripeSignature: "t=\(Int(server.clock.now.timeIntervalSince1970)),v0=abc"])
            #expect((v0Only.error["message"] as? String)?.contains("no v1") == true)
            // Within the tolerance, and one good v1 among several, is accepted.
            let body = Self.checkout()
            let timestamp = Int(server.clock.now.timeIntervalSince1970) - 299
            let good = StripeSignature(secret: testStripeSecret).header(for: Array(body.utf8), timestamp: timestamp)
            let header = "t=\(timestamp),v1=\(String(repeating: "0", count: 64)),\(good.split(separator: ",")[1])"
            #expect(try await client.post("/v1/webhooks/stripe", body, headers: [.stripeSignature: header]).status == .ok)
        }
        #expect(try await server.store.licenses(LicenseFilter()).count == 1)
    }

    @Test("metadata[tier] maps a session without a known Payment Link; an unmapped one is refused so Stripe retries")
    func tierMapping() async throws {
        let server = TestServer()
        try await server.test { client in
            let unmapped = try await send(client, Self.checkout(event: "evt_u", session: "cs_u", link: "plink_unknown"), server: server)
            #expect(unmapped.status == .badRequest)
            #expect(unmapped.errorCode == "unmapped_payment")
            let byMetadata = try await send(client, Self.checkout(event: "evt_m", session: "cs_m", link: nil, metadata: ["tier": "concurrency"]), server: server)
            #expect(byMetadata.status == .ok)
            let unknownTier = try await send(client, Self.checkout(event: "evt_t", session: "cs_t", link: nil, metadata: ["tier": "gold"]), server: server)
            #expect(unknownTier.errorCode == "unmapped_payment")
            let unpaid = try await send(client, Self.checkout(event: "evt_p", session: "cs_p", paymentStatus: "unpaid"), server: server)
            #expect(unpaid.status == .ok)
        }
        #expect(try await server.store.license(checkoutSession: "cs_m")?.tiers == ["concurrency"])
        #expect(try await server.store.license(checkoutSession: "cs_u") == nil)
        #expect(try await server.store.license(checkoutSession: "cs_p") == nil)
        // The refused event was not recorded: once the configuration maps it, the retry issues the license.
        var fixed = TestServer { $0.paymentLinks["plink_unknown"] = "member" }
        fixed.store = server.store
        let retried = fixed
        try await retried.test { client in
            let response = try await send(client, Self.checkout(event: "evt_u", session: "cs_u", link: "plink_unknown"), server: retried)
            #expect(response.json["duplicate"] as? Bool == false)
        }
        #expect(try await server.store.license(checkoutSession: "cs_u")?.tiers == ["member"])
    }

    @Test("a deleted subscription expires its license; a full refund revokes one, a partial refund does not")
    func subscriptionAndRefund() async throws {
        let server = TestServer()
        try await server.test { client in
            _ = try await send(client, Self.checkout(event: "evt_a", session: "cs_a"), server: server)
            let key = server.authority.checkoutLicenseKey(session: "cs_a").text
            let deleted = try await send(client, Self.event("evt_b", "customer.subscription.deleted", #"{"id": "sub_1", "object": "subscription", "status": "canceled"}"#), server: server)
            #expect(deleted.status == .ok)
            let expired = try await client.unlock(key)
            #expect(expired.errorCode == "expired")
            #expect(expired.error["reason"] as? String == "subscription_canceled")

            let body = #"{"id": "cs_c", "object": "checkout.session", "payment_status": "paid", "payment_link": "plink_pro", "payment_intent": "pi_c"}"#
            _ = try await send(client, Self.event("evt_c", "checkout.session.completed", body), server: server)
            let refundedKey = server.authority.checkoutLicenseKey(session: "cs_c").text
            let partial = try await send(client, Self.event("evt_d", "charge.refunded", #"{"id": "ch_1", "object": "charge", "payment_intent": "pi_c", "refunded": false, "amount_refunded": 100}"#), server: server)
            #expect(partial.status == .ok)
            #expect(try await client.unlock(refundedKey).status == .ok)
            let full = try await send(client, Self.event("evt_e", "charge.refunded", #"{"id": "ch_1", "object": "charge", "payment_intent": "pi_c", "refunded": true}"#), server: server)
            #expect(full.status == .ok)
            let refused = try await client.unlock(refundedKey)
            #expect(refused.errorCode == "revoked")
            #expect(refused.error["reason"] as? String == "refunded")
            // Events of other types are acknowledged and ignored.
            #expect(try await send(client, Self.event("evt_f", "invoice.paid", #"{"id": "in_1"}"#), server: server).status == .ok)
        }
    }

    @Test("without STRIPE_WEBHOOK_SECRET the endpoint says it is off; a large body is refused")
    func notConfiguredAndLimits() async throws {
        var off = TestServer()
        off.secrets.stripeWebhookSecret = nil
        try await off.test { client in
            let response = try await client.post("/v1/webhooks/stripe", Self.checkout())
            #expect(response.status == .serviceUnavailable)
            #expect(response.errorCode == "stripe_not_configured")
        }
        let server = TestServer()
        try await server.test { client in
            let huge = String(repeating: " ", count: 70_000) + Self.checkout()
            let response = try await send(client, huge, server: server)
            #expect(response.status == .contentTooLarge)
        }
    }
}
