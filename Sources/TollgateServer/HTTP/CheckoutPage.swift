import Foundation
import Hummingbird
import Logging
import NIOCore

/// `GET /checkout/success?session_id=cs_…`: the page Stripe Checkout sends a buyer to. It
/// shows the license key of the session once; the webhook may arrive a moment after the
/// buyer, so until it has, the page says so and reloads itself.
struct CheckoutPage: Sendable {
    let licensing: Licensing

    func addRoutes(to router: Router<ServerRequestContext>) {
        router.get("/checkout/success") { request, context in try await show(request, context) }
    }

    func show(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        guard let session = request.uri.queryParameters["session_id"].map(String.init), Self.isSessionID(session) else {
            return page(status: .badRequest, title: "Unknown checkout", paragraphs: [
                "This address has no valid checkout session. Use the link Stripe sent you to after paying.",
            ])
        }
        guard let license = try await licensing.store.license(checkoutSession: session) else {
            return page(status: .ok, title: "Confirming your payment…", paragraphs: [
                "Your payment is being confirmed. This page reloads in a few seconds and then shows your license key.",
            ], refresh: true)
        }
        guard try await licensing.store.markDelivered(licenseID: license.id, at: licensing.now()) else {
            return page(status: .ok, title: "Your license key was already shown", paragraphs: [
                "For your security the key is shown only once. If you did not save it, write to the seller and mention \(license.id).",
            ])
        }
        context.logger.info("checkout license shown", metadata: ["license": "\(license.id)"])
        let key = licensing.authority.checkoutLicenseKey(session: session)
        return page(status: .ok, title: "Thank you! Here is your license key", paragraphs: [
            "Copy it now and keep it somewhere safe: this page shows it only once.",
            "To read, open a premium chapter and enter the key. It works on up to \(license.deviceLimit) devices at a time.",
        ], key: key.text)
    }

    static func isSessionID(_ text: String) -> Bool {
        text.hasPrefix("cs_") && text.utf8.count <= 255
            && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F }
    }

    private func page(status: HTTPResponse.Status, title: String, paragraphs: [String], key: String? = nil, refresh: Bool = false) -> Response {
        var html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex">\(refresh ? "<meta http-equiv=\"refresh\" content=\"3\">" : "")
        <title>\(escape(title))</title>
        <style>body{font:18px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1d2433}
        code{display:block;font:1.3rem ui-monospace,monospace;padding:1rem;background:#f1f4f9;border-radius:.5rem;word-break:break-all;user-select:all}
        @media (prefers-color-scheme:dark){body{background:#12161f;color:#e6e9ef}code{background:#1e2533}a{color:#8ab4ff}}</style>
        </head><body><h1>\(escape(title))</h1>
        """
        if let key { html += "<p><code id=\"license-key\">\(escape(key))</code></p>" }
        for paragraph in paragraphs { html += "<p>\(escape(paragraph))</p>" }
        if let site = licensing.configuration.siteURL { html += "<p><a href=\"\(escape(site))\">Go to the course</a></p>" }
        html += "</body></html>\n"
        return Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store", .referrerPolicy: "no-referrer",
                .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'", .xContentTypeOptions: "nosniff",
            ],
            body: .init(byteBuffer: ByteBuffer(string: html))
        )
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
