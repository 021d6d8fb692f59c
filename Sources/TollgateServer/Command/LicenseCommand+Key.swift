import ArgumentParser
import Foundation

extension LicenseCommand {
    struct Key: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prints again the key of a license bought through Stripe Checkout.",
            discussion: "Such keys derive from the Checkout Session and the master key. Other keys were random, shown once and cannot be shown again."
        )

        @OptionGroup var options: ConfigOption
        @Argument(help: "The license id (lic_…).")
        var id: String

        func run() async throws {
            try await options.withLicensing { licensing in
                print(try await licensing.recoverKey(id).text)
            }
        }
    }
}
