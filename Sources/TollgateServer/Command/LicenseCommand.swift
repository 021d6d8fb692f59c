import ArgumentParser

struct LicenseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "license",
        abstract: "Issue, list, show, revoke and extend licenses.",
        subcommands: [Issue.self, List.self, Show.self, Revoke.self, Extend.self, Key.self]
    )
}

extension LicenseStatus: ExpressibleByArgument {}
