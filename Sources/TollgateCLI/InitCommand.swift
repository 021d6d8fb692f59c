import ArgumentParser
import Foundation
import TollgateSite

/// `tollgate init NAME`: a new site with a sample course.
public struct InitCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a new site with a sample course.",
        discussion: "Then: cd NAME && tollgate build, and open _site/index.html through any static web server."
    )

    @Argument(help: "The folder to create.", completion: .directory)
    var name: String

    @Flag(name: .customLong("with-theme"), help: "Copy the default theme into layouts/ to edit it.")
    var withTheme = false

    public init() {}

    public func run() throws {
        do {
            try SiteInitializer.create(at: URL(fileURLWithPath: name), withTheme: withTheme)
        } catch let diagnostic as Diagnostic {
            FileHandle.standardError.write(Data("error: \(diagnostic)\n".utf8))
            throw ExitCode.failure
        }
        print("Created a new Tollgate site in \(name)/")
        print("Next: cd \(name) && tollgate build   (the site goes to \(name)/_site/)")
    }
}
