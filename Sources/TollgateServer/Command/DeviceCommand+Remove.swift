import ArgumentParser
import Foundation

extension DeviceCommand {
    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Frees a device's slot; that browser must enter the license key again."
        )

        @OptionGroup var options: ConfigOption
        @Argument(help: "The license id (lic_…).")
        var license: String
        @Argument(help: "The device id (dev_…).")
        var device: String

        func run() async throws {
            try await options.withLicensing { licensing in
                try await licensing.removeDevice(device, of: license)
                printError("removed \(device) from \(license)")
            }
        }
    }
}
