import Foundation
import Hummingbird
import Logging
import TollgateCrypto

/// Verifies the `Stripe-Signature` header of a webhook: `t=<unix time>,v1=<hex>,v1=…`, where
/// each `v1` may be HMAC-SHA256 of `t` + `.` + the raw body under the endpoint's signing secret.
struct StripeSignature: Sendable {
    /// Why a signature was refused.
    enum Failure: Error, Equatable, CustomStringConvertible {
        case missingHeader
        case malformedHeader
        case noV1Signature
        case stale(seconds: Int)
        case future(seconds: Int)
        case mismatch

        var description: String {
            switch self {
            case .missingHeader: "The Stripe-Signature header is missing."
            case .malformedHeader: "The Stripe-Signature header has no timestamp (t=…)."
            case .noV1Signature: "The Stripe-Signature header has no v1 signature."
            case .stale(let seconds): "The event was signed \(seconds) seconds ago, more than the 300 s tolerance (a replay?)."
            case .future(let seconds): "The event is signed \(seconds) seconds in the future, more than the \(StripeSignature.futureSkew) s allowed for clock skew; check the server's clock (NTP)."
            case .mismatch: "No v1 signature matches: check STRIPE_WEBHOOK_SECRET (the endpoint's signing secret, whsec_…)."
            }
        }
    }

    let secret: [UInt8]
    /// How old a signature may be.
    static let tolerance = 300
    /// How far ahead of the server's clock a timestamp may be (clock skew).
    static let futureSkew = 30

    init(secret: String) {
        self.secret = Array(secret.utf8)
    }

    /// Checks `header` against `body` at `now`.
    func verify(header: String?, body: [UInt8], now: Date) throws(Failure) {
        guard let header else { throw .missingHeader }
        var timestamp: Int?
        var signatures: [[UInt8]] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            switch pair[0] {
            case "t": timestamp = Int(pair[1])
            case "v1": if let bytes = Self.hexBytes(pair[1]), bytes.count == 32 { signatures.append(bytes) }
            default: continue
            }
        }
        guard let timestamp else { throw .malformedHeader }
        guard !signatures.isEmpty else { throw .noV1Signature }
        let age = Int(now.timeIntervalSince1970.rounded(.down)) - timestamp
        if age > Self.tolerance { throw .stale(seconds: age) }
        if -age > Self.futureSkew { throw .future(seconds: -age) }
        let expected = TollgateCrypto.hmacSHA256(key: secret, message: Array("\(timestamp).".utf8) + body)
        var matched = false
        for signature in signatures where constantTimeEqual(signature, expected) { matched = true }
        guard matched else { throw .mismatch }
    }

    /// The header Stripe would send for `body` at `timestamp` (tests, and `stripe trigger`-like tools).
    func header(for body: [UInt8], timestamp: Int) -> String {
        let mac = TollgateCrypto.hmacSHA256(key: secret, message: Array("\(timestamp).".utf8) + body)
        return "t=\(timestamp),v1=\(Encoding.hex(mac))"
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x61...0x66: c - 0x61 + 10
        case 0x41...0x46: c - 0x41 + 10
        default: nil
        }
    }
}

/// `POST /v1/webhooks/stripe`: a verified event becomes a license, an expiry or a revocation,
/// exactly once per event id.
struct StripeController: Sendable {
    let licensing: Licensing
    let signature: StripeSignature?

    func addRoutes(to router: Router<ServerRequestContext>) {
        router.post("/v1/webhooks/stripe") { request, context in try await receive(request, context) }
    }

    /// The parts of an event this server reads. Everything else is ignored.
    struct Event: Decodable {
        struct DataObject: Decodable {
            let object: StripeObject
        }
        let id: String
        let type: String
        let data: DataObject
    }

    /// The fields of a Checkout Session, a subscription or a charge that matter here.
    struct StripeObject: Decodable {
        struct CustomerDetails: Decodable {
            let email: String?
        }
        let id: String?
        let paymentStatus: String?
        let paymentLink: String?
        let metadata: [String: String]?
        let customer: String?
        let customerEmail: String?
        let customerDetails: CustomerDetails?
        let subscription: String?
        let paymentIntent: String?
        let invoice: String?
        let refunded: Bool?

        enum CodingKeys: String, CodingKey {
            case id, metadata, customer, subscription, invoice, refunded
            case paymentStatus = "payment_status"
            case paymentLink = "payment_link"
            case customerEmail = "customer_email"
            case customerDetails = "customer_details"
            case paymentIntent = "payment_intent"
        }
    }

    func receive(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        guard let signature else {
            throw APIError(.serviceUnavailable, "stripe_not_configured", "Stripe webhooks are off: set STRIPE_WEBHOOK_SECRET to the endpoint's signing secret.")
        }
        let buffer = try await collectBody(of: request, limit: licensing.configuration.webhookBodyLimit)
        let body = Array(buffer.readableBytesView)
        do {
            try signature.verify(header: request.headers[.stripeSignature], body: body, now: licensing.now())
        } catch {
            context.logger.warning("stripe signature refused", metadata: ["reason": "\(error)"])
            throw APIError(.badRequest, "bad_signature", error.description)
        }
        let event = try decodeJSON(Event.self, from: Data(body))
        let action = try self.action(for: event)
        let outcome = try await licensing.store.apply(stripeEvent: event.id, type: event.type, at: licensing.now(), action: action)
        switch outcome {
        case .duplicate:
            context.logger.info("stripe event already applied", metadata: ["event": "\(event.id)", "type": "\(event.type)"])
            return JSONValue.object(["received": true, "duplicate": true]).response()
        case .applied(let ids):
            context.logger.info("stripe event applied", metadata: ["event": "\(event.id)", "type": "\(event.type)", "licenses": "\(ids.joined(separator: ","))"])
            return JSONValue.object(["received": true, "duplicate": false]).response()
        }
    }

    /// What `event` asks of the store.
    func action(for event: Event) throws -> StripeAction {
        let object = event.data.object
        switch event.type {
        case "checkout.session.completed", "checkout.session.async_payment_succeeded":
            guard object.paymentStatus != "unpaid" else { return .none }  // async payment: wait for async_payment_succeeded
            guard let session = object.id, session.hasPrefix("cs_") else {
                throw APIError.invalidField("data.object.id", "The Checkout Session has no id.")
            }
            let configuration = licensing.configuration
            let tier = object.paymentLink.flatMap { configuration.paymentLinks[$0] }
                ?? configuration.metadataKey.flatMap { object.metadata?[$0] }
            guard let tier, configuration.tiers.contains(tier) else {
                throw APIError(
                    .badRequest, "unmapped_payment",
                    "Checkout Session \(session) maps to no tier: add its Payment Link (\(object.paymentLink ?? "none")) to stripe.payment_links in server.yml, or set metadata[\(configuration.metadataKey ?? "tier")] to a tier. Stripe retries the event."
                )
            }
            let now = licensing.now()
            let key = licensing.authority.checkoutLicenseKey(session: session)
            let email = object.customerDetails?.email ?? object.customerEmail
            return .issue(License(
                id: License.newID(), keyHash: licensing.authority.lookupHash(of: key), email: email, tiers: [tier], status: .active,
                reason: nil, expiresAt: nil, deviceLimit: configuration.stripeDeviceLimit ?? configuration.defaultDeviceLimit,
                createdAt: now, updatedAt: now, source: "stripe:" + event.id, note: nil,
                stripe: StripeReferences(
                    session: session, customer: object.customer, subscription: object.subscription,
                    paymentIntent: object.paymentIntent, invoice: object.invoice
                )
            ))
        case "customer.subscription.deleted":
            guard let subscription = object.id else { return .none }
            return .expire(subscription: subscription, reason: "subscription_canceled")
        case "charge.refunded":
            guard object.refunded == true, object.paymentIntent != nil || object.invoice != nil else { return .none }  // partial refund
            return .revoke(paymentIntent: object.paymentIntent, invoice: object.invoice, reason: "refunded")
        default:
            return .none
        }
    }
}
