import ArgumentParser

struct DeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device",
        abstract: "List the devices holding a license, or free a device's slot.",
        subcommands: [List.self, Remove.self]
    )
}
