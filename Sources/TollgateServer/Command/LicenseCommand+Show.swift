import ArgumentParser
import Foundation

extension LicenseCommand {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Shows a license and its devices (never its key).")

        @OptionGroup var options: ConfigOption
        @Argument(help: "The license id (lic_…).")
        var id: String
        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            try await options.withLicensing { licensing in
                let license = try await licensing.license(id)
                let devices = try await licensing.devices(id)
                if json {
                    printJSON(.object(["license": licenseJSON(license, devicesInUse: devices.count, now: licensing.now()), "devices": .array(devices.map(deviceJSON))]))
                    return
                }
                let status = license.effectiveStatus(at: licensing.now())
                print("""
                id:       \(license.id)
                status:   \(status.rawValue)\(license.reason.map { " (\($0))" } ?? "")
                tiers:    \(license.tiers.joined(separator: ", "))
                email:    \(license.email ?? "-")
                expires:  \(license.expiresAt.map(rfc3339) ?? "never")
                devices:  \(devices.count) of \(license.deviceLimit)
                source:   \(license.source)
                created:  \(rfc3339(license.createdAt))
                updated:  \(rfc3339(license.updatedAt))
                """)
                if let note = license.note { print("note:     \(note)") }
                for device in devices { print("device:   \(device.id)\tsince \(rfc3339(device.createdAt))\tlast seen \(rfc3339(device.lastSeenAt))") }
            }
        }
    }
}
