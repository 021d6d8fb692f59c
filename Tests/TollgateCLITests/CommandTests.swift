import ArgumentParser
import Foundation
import Testing
import TollgateTestSupport

@testable import TollgateCLI

@Suite("The tollgate command")
struct CommandTests {
    @Test("tollgate --help lists the subcommands and explains itself")
    func rootHelp() {
        let help = TollgateCommand.helpMessage(columns: 100)
        #expect(help.contains("OVERVIEW: Build a static site for a paid course from Markdown."))
        #expect(help.contains("build"))
        #expect(help.contains("init"))
        #expect(help.contains("Create a new site with a sample course."))
    }

    @Test("tollgate build --help documents every option")
    func buildHelp() {
        let help = TollgateCommand.helpMessage(for: BuildCommand.self, columns: 100)
        for option in ["--output", "--drafts", "--base-url", "--quiet", "<source>"] {
            #expect(help.contains(option), "build --help does not mention \(option)")
        }
        #expect(help.contains("a failed build leaves the previous site untouched"))
    }

    @Test("tollgate init --help documents --with-theme")
    func initHelp() {
        let help = TollgateCommand.helpMessage(for: InitCommand.self, columns: 100)
        #expect(help.contains("--with-theme"))
        #expect(help.contains("<name>"))
    }

    @Test("arguments parse into build options")
    func parseBuild() throws {
        let command = try TollgateCommand.parseAsRoot(["build", "site", "-o", "out", "--drafts", "--base-url", "http://127.0.0.1:8000", "-q"])
        let build = try #require(command as? BuildCommand)
        #expect(build.source == "site")
        #expect(build.output == "out")
        #expect(build.drafts)
        #expect(build.quiet)
        #expect(build.baseURL == "http://127.0.0.1:8000")
    }

    @Test("init then build, through the commands")
    func initThenBuild() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var initCommand = try TollgateCommand.parseAsRoot(["init", folder.path])
        try initCommand.run()
        var build = try TollgateCommand.parseAsRoot(["build", folder.path, "--quiet"])
        try build.run()
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("_site/index.html").path))
    }

    @Test("a failing build exits non-zero")
    func failureExitCode() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var build = try TollgateCommand.parseAsRoot(["build", folder.path, "--quiet"])
        #expect(throws: ExitCode.failure) { try build.run() }
    }
}
