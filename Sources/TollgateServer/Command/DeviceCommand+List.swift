import ArgumentParser
import Foundation

extension DeviceCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists a license's devices: ID, SINCE, LAST SEEN.")

        @OptionGroup var options: ConfigOption
        @Argument(help: "The license id (lic_…).")
        var license: String

        func run() async throws {
            try await options.withLicensing { licensing in
                for device in try await licensing.devices(license) {
                    print([device.id, rfc3339(device.createdAt), rfc3339(device.lastSeenAt)].joined(separator: "\t"))
                }
            }
        }
    }
}
