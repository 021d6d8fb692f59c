import ArgumentParser
import Foundation
import TollgateSite

/// `tollgate build`: the site in `_site/`.
public struct BuildCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build the site into a folder (default: _site/).",
        discussion: """
            The site is written to a temporary folder and moves into place only when the whole \
            build succeeded: a failed build leaves the previous site untouched. Every problem \
            found is reported as file:line: message.
            """
    )

    @Argument(help: "The site's folder (with site.yml).", completion: .directory)
    var source: String = "."

    @Option(name: .shortAndLong, help: "Where to write the site (default: <source>/_site).", completion: .directory)
    var output: String?

    @Flag(help: "Also build chapters and courses marked 'draft: true'.")
    var drafts = false

    @Option(name: .customLong("base-url"), help: "Serve from this URL instead of site.yml's base_url (e.g. http://127.0.0.1:8000).")
    var baseURL: String?

    @Option(name: .customLong("license-server"), help: "Unlock through this license server instead of site.yml's license_server (e.g. http://127.0.0.1:8787).")
    var licenseServer: String?

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    @Flag(
        name: .customLong("require-key"),
        help: "Fail instead of creating a master key when there is none (the default when CI=true).")
    var requireKey = false

    @Flag(
        name: .customLong("withhold-premium"),
        help: "Leave premium parts (and assets only they use) out instead of sealing them: pages carry the teaser only, and no key is needed.")
    var withholdPremium = false

    public init() {}

    public func run() throws {
        var options = BuildOptions(
            source: URL(fileURLWithPath: source), output: output.map { URL(fileURLWithPath: $0) },
            includeDrafts: drafts, baseURL: baseURL)
        options.licenseServer = licenseServer
        options.premium = withholdPremium ? .withhold : .seal
        options.missingKey = requireKey || MasterKeyLocator.isCI(options.environment) ? .fail : .create
        try reportingFailures {
            let report = try Pipeline.build(options) { line in
                if !quiet { print(line) }
            }
            for notice in report.notices {
                FileHandle.standardError.write(Data("note: \(notice)\n".utf8))
            }
            if !quiet {
                print("Built \(report.pages) pages (\(report.chapters) chapters, \(report.premiumChapters) premium) and \(report.files - report.pages) other files into \(report.output.path) in \(String(format: "%.2f", report.seconds)) s")
            }
        }
    }
}
