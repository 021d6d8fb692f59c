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

        func run() async throws {
            try await options.withLicensing { licensing in
                let license = try await licensing.revoke(id, reason: reason)
                printError("revoked \(license.id)")
            }
        }
    }
}
