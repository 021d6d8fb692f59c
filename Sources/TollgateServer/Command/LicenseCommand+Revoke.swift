import ArgumentParser
import Foundation

extension LicenseCommand {
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revokes a license: no more unlocks or refreshes, and no keys of a later epoch.",
            discussion: "A browser keeps the keys it already has until the site's epoch changes (tollgate keys rotate); see docs/server.md."
        )

        @OptionGroup var options: ConfigOption
        @Argument(help: "The license id (lic_…).")
        var id: String
        @Option(help: "Why (shown to the member as the reason).")
        var reason: String?

        /// What revoking did, when it takes effect and what else the seller may want to do.
        static func summary(of license: License) -> String {
            """
            revoked \(license.id) (tiers \(license.tiers.joined(separator: ", ")))
            Takes effect on the license server now (a running server notices within a second): the key no \
            longer unlocks, signed-in browsers get no keys on their next refresh, and the member's site \
            shows the license as revoked the next time a page asks the server (at the next page load of \
            a signed-in browser).
            Browsers that already hold this epoch's tier keys can still open the chapters they could open, \
            until the static site's keys change: run `tollgate keys rotate`, rebuild and deploy the site \
            and serve the new epoch from this server (docs/server.md, section 7).
            """
        }

        func run() async throws {
            try await options.withLicensing { licensing in
                let license = try await licensing.revoke(id, reason: reason)
                printError(Self.summary(of: license))
            }
        }
    }
}
