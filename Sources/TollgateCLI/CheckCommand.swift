import ArgumentParser
import Foundation
import TollgateSite

/// `tollgate check`: the site's configuration, content and links; with `--leaks`, a built site.
public struct CheckCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check site.yml, content and links; with --leaks, scan a built site for premium text.",
        discussion: """
            `tollgate check --leaks _site` scans every text file of the folder (HTML, feed, \
            sitemap, JSON, JS, …) for premium plaintext of this site: each sentence of eight \
            words or more of every premium part, and its headings unless premium.public_headings \
            is on. It needs no key. Exit status 1 when anything is found.
            """
    )

    @Option(name: .customLong("source"), help: "The site's folder (with site.yml).", completion: .directory)
    var source: String = "."

    @Option(name: .customLong("leaks"), help: "Scan this built site for premium text.", completion: .directory)
    var leaks: String?

    @Flag(help: "Also check chapters and courses marked 'draft: true'.")
    var drafts = false

    public init() {}

    public func run() throws {
        let options = BuildOptions(source: URL(fileURLWithPath: source), includeDrafts: drafts)
        try reportingFailures {
            if let leaks {
                let folder = URL(fileURLWithPath: leaks).standardizedFileURL
                let files = try Pipeline.checkLeaks(options, folder: folder)
                print("No premium text in \(files) files of \(folder.path).")
            } else {
                try Pipeline.check(options)
                print("site.yml, content and links are fine.")
            }
        }
    }
}
