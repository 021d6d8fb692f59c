import ArgumentParser

struct LicenseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "license",
        abstract: "Issue, list, show, revoke, extend, export and import licenses.",
        subcommands: [Issue.self, List.self, Show.self, Revoke.self, Extend.self, Key.self, Export.self, Import.self]
    )
}

extension LicenseStatus: ExpressibleByArgument {}
