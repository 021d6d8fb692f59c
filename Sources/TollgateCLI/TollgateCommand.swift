import ArgumentParser

/// The `tollgate` command: build static course sites with sealed premium chapters.
public struct TollgateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tollgate",
        abstract: "Build a static site for a paid course from Markdown.",
        discussion: """
            A site is a folder with site.yml, content/ (courses of Markdown chapters) and, \
            optionally, layouts/ (Mustache overrides of the default theme) and static/.
            Free chapters become plain HTML; premium chapters are sealed per tier and open in a member's browser.
            """,
        version: "0.1.0",
        subcommands: [BuildCommand.self, InitCommand.self, KeysCommand.self, CheckCommand.self]
    )

    public init() {}
}
