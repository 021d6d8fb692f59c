import ArgumentParser
import Foundation

extension LicenseCommand {
    struct Extend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sets when a license expires; an expired license becomes active again.")

        @OptionGroup var options: ConfigOption
        @Argument(help: "The license id (lic_…).")
        var id: String
        @Option(help: "The new expiry date (2027-01-31).")
        var until: String?
        @Option(help: "Days to add to the current expiry (or to today, if it passed).")
        var days: Int?
        @Flag(help: "Never expire.")
        var never = false

        func validate() throws {
            guard [until != nil, days != nil, never].filter({ $0 }).count == 1 else {
                throw ValidationError("give exactly one of --until, --days and --never")
            }
        }

        func run() async throws {
            try await options.withLicensing { licensing in
                let license: License
                if let until {
                    guard let parsed = parseDate(until) else { throw CommandFailure("error: --until must be a date like 2027-01-31, not '\(until)'") }
                    license = try await licensing.extend(id, until: parsed)
                } else if let days {
                    license = try await licensing.extend(id, byDays: days)
                } else {
                    license = try await licensing.extend(id, until: nil)
                }
                printError("\(license.id) now expires \(license.expiresAt.map { "on " + rfc3339($0) } ?? "never") and is \(license.effectiveStatus(at: licensing.now()).rawValue)")
            }
        }
    }
}
