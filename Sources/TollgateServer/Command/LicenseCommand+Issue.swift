import ArgumentParser
import Foundation

extension LicenseCommand {
    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issues licenses and prints each key once, on its own line.",
            discussion: "The keys go to standard output, one per line, and are not stored: only their hash is. Details go to standard error."
        )

        @OptionGroup var options: ConfigOption
        @Option(name: .customLong("tier"), help: "A tier the license unlocks (repeat for several).")
        var tiers: [String] = []
        @Option(help: "The member's email.")
        var email: String?
        @Option(help: "Expiry: a date (2027-01-31) or a number of days (30d). Default: never.")
        var expires: String?
        @Option(help: "How many devices may hold the license at once. Default: default_device_limit.")
        var devices: Int?
        @Option(help: "A note for you.")
        var note: String?
        @Option(help: "How many licenses to issue (each with its own key).")
        var count = 1
        @Flag(help: "Print JSON: a list of {license, license_key}.")
        var json = false

        func run() async throws {
            let now = Date()
            let expiry = try expires.map { text in
                guard let date = parseExpiry(text, now: now) else {
                    throw CommandFailure("error: --expires must be a date like 2027-01-31 or a number of days like 30d, not '\(text)'")
                }
                return date
            }
            try await options.withLicensing { licensing in
                let order = LicenseOrder(tiers: tiers, email: email, expiresAt: expiry, deviceLimit: devices, note: note, source: "cli")
                let issued = try await licensing.issue(order, count: count)
                if json {
                    printJSON(.array(issued.map { .object(["license": licenseJSON($0.license, devicesInUse: 0, now: licensing.now()), "license_key": .string($0.key.text)]) }))
                } else {
                    print(issued.map(\.key.text).joined(separator: "\n"))
                    let first = issued[0].license
                    let expiry = first.expiresAt.map { "until \(rfc3339($0).prefix(10))" } ?? "no expiry"
                    let ids = issued.count == 1 ? first.id : "\(issued.count) licenses"
                    printError("issued \(ids): \(first.tiers.joined(separator: ", ")), \(first.deviceLimit) devices, \(expiry). The key\(issued.count == 1 ? " is" : "s are") shown only now.")
                }
            }
        }
    }
}
