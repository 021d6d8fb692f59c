import ArgumentParser
import Foundation

extension LicenseCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists licenses, newest first: ID, STATUS, TIERS, EXPIRES, EMAIL, SOURCE.")

        @OptionGroup var options: ConfigOption
        @Option(help: "Only licenses in this state: active, expired or revoked.")
        var status: LicenseStatus?
        @Option(help: "Only licenses of this email.")
        var email: String?
        @Option(help: "At most this many.")
        var limit = 1000
        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            try await options.withLicensing { licensing in
                let licenses = try await licensing.store.licenses(LicenseFilter(status: status, email: email, limit: limit, now: licensing.now()))
                if json {
                    printJSON(.array(licenses.map { licenseJSON($0, devicesInUse: nil, now: licensing.now()) }))
                    return
                }
                for license in licenses {
                    let status = license.effectiveStatus(at: licensing.now()).rawValue
                    let expiry = license.expiresAt.map { String(rfc3339($0).prefix(10)) } ?? "never"
                    print([license.id, status, license.tiers.joined(separator: ","), expiry, license.email ?? "-", license.source].joined(separator: "\t"))
                }
            }
        }
    }
}
