import ArgumentParser
import Foundation
import Testing
import TollgateSite
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
        for option in ["--output", "--drafts", "--base-url", "--quiet", "--require-key", "--withhold-premium", "<source>"] {
            #expect(help.contains(option), "build --help does not mention \(option)")
        }
        #expect(help.contains("a failed build leaves the previous site untouched"))
    }

    @Test("tollgate keys and check explain themselves; codes --help states the trade-off")
    func keysAndCheckHelp() throws {
        let keys = TollgateCommand.helpMessage(for: KeysCommand.self, columns: 100)
        for subcommand in ["init", "rotate", "show", "codes"] { #expect(keys.contains(subcommand)) }
        #expect(keys.contains("TOLLGATE_MASTER_KEY"))
        let codes = TollgateCommand.helpMessage(for: KeysCommand.Codes.self, columns: 100)
        #expect(codes.contains("a shared code works for everyone who has it until the next"))
        let check = TollgateCommand.helpMessage(for: CheckCommand.self, columns: 100)
        #expect(check.contains("--leaks"))
        let parsed = try #require(try TollgateCommand.parseAsRoot(["check", "--leaks", "_site"]) as? CheckCommand)
        #expect(parsed.leaks == "_site")
        #expect(parsed.source == ".")
    }

    @Test("CI=true (anything but false or 0) means a build must not create a key")
    func ciDetection() {
        #expect(MasterKeyLocator.isCI(["CI": "true"]))
        #expect(MasterKeyLocator.isCI(["CI": "1"]))
        #expect(!MasterKeyLocator.isCI(["CI": "false"]))
        #expect(!MasterKeyLocator.isCI(["CI": "0"]))
        #expect(!MasterKeyLocator.isCI([:]))
    }

    @Test("a leak found by check --leaks exits non-zero")
    func checkLeaksExitCode() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-cli-check-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var initCommand = try TollgateCommand.parseAsRoot(["init", folder.path])
        try initCommand.run()
        let site = folder.appendingPathComponent("_checked")
        try FileManager.default.createDirectory(at: site, withIntermediateDirectories: true)
        var clean = try TollgateCommand.parseAsRoot(["check", "--source", folder.path, "--leaks", site.path])
        try clean.run()
        // Plant every sentence of the starter's premium chapters.
        let chapters = try FileManager.default.subpathsOfDirectory(atPath: folder.appendingPathComponent("content").path).filter { $0.hasSuffix(".md") }
        let text = try chapters.map { try String(contentsOf: folder.appendingPathComponent("content/" + $0), encoding: .utf8) }.joined(separator: "\n")
        try text.write(to: site.appendingPathComponent("leak.txt"), atomically: true, encoding: .utf8)
        var leaky = try TollgateCommand.parseAsRoot(["check", "--source", folder.path, "--leaks", site.path])
        #expect(throws: ExitCode.failure) { try leaky.run() }
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
