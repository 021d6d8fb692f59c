import Foundation
import Testing
import TollgateCrypto
import TollgateTestSupport

@testable import TollgateSite

/// Readers of the sealed format that share no code with the build, run against the
/// example site built by the Swift code: a Python decryptor written from docs/FORMAT.md,
/// `tollgate.js` under Node, and `tollgate.js` in headless Chromium.
///
/// They need `python3` (with `cryptography` and `selenium`), `node` ≥ 20, `chromium` and
/// `chromedriver`; `.ci/run` installs them. Elsewhere a missing tool skips its test, but
/// with `CI` set a missing tool is a failure.
@Suite("Independent readers of sealed pages", .serialized)
struct ExternalReaderTests {
    /// The example site at epoch 2, built once with the test master key.
    struct BuiltExample: Sendable {
        let site: URL
        let siteID: String
        let environment: [String: String]
    }

    static let example: Result<BuiltExample, any Error> = Result {
        let fixture = try FixtureSite.exampleSite()
        try SiteKeys.rotate(source: fixture.root)
        let output = fixture.outputFolder()
        _ = try Pipeline.build(.fixture(source: fixture.root, output: output))
        let config = try SiteKeys.configuration(source: fixture.root)
        let tiers = config.tiers.tiers.map(\.id)
        func codes(_ epoch: Int) -> String {
            let entries = tiers.map { "\(Encoding.jsonString($0)):\(Encoding.jsonString(testMasterKey.accessCode($0, epoch: epoch).text))" }
            return "{\(entries.joined(separator: ","))}"
        }
        // A sentence of each sealed chapter's premium part, as the Swift side decrypts it.
        var expected: [String] = []
        for chapter in FixtureSite.files(in: output) where chapter.hasSuffix("/index.html") {
            let html = try FixtureSite.read(chapter, in: output)
            guard html.contains("id=\"tollgate-sealed\"") else { continue }
            let path = String(chapter.dropLast("index.html".count))
            let page = try SealedPage(html: html)
            let text = try page.payload.open(site: config.siteID, path: path, with: testMasterKey.tierKey(page.payload.wraps[0].tier, epoch: 2))
            // Plain errors, not #require: a recorded expectation would fail only the first test
            // that reads this, and let the others pass without a site.
            guard let sentence = plainSentence(in: text), !html.contains(sentence) else {
                throw ExternalTool.ToolFailure(message: "\(path): no plain premium sentence, or it is in the page in clear")
            }
            expected.append("\(Encoding.jsonString(path)):\(Encoding.jsonString(sentence))")
        }
        return BuiltExample(
            site: output, siteID: config.siteID,
            environment: [
                "TOLLGATE_SITE": output.path, "TOLLGATE_CODES": codes(2), "TOLLGATE_OLD_CODES": codes(1),
                "TOLLGATE_EXPECT": "{\(expected.joined(separator: ","))}",
            ])
    }

    /// Eight words or more of text between two tags on one line, without entities: it is
    /// verbatim both in the HTML and in the text a browser shows.
    static func plainSentence(in html: String) -> String? {
        for line in html.split(separator: "\n") {
            for segment in line.split(separator: "<").map({ $0.split(separator: ">", maxSplits: 1).last ?? "" }) {
                let text = segment.trimmingCharacters(in: .whitespaces)
                if !text.contains("&") && text.split(separator: " ").count >= 8 { return text }
            }
        }
        return nil
    }

    @Test("a Python decryptor written from docs/FORMAT.md opens the worked example and every sealed page")
    func independentDecryptor() throws {
        guard try ExternalTool.require(["python3"], module: "cryptography") else { return }
        let example = try Self.example.get()
        let script = FixtureSite.repositoryRoot.appendingPathComponent("Tests/format/independent_decryptor.py").path
        try ExternalTool.run(["python3", script], environment: [:])
        try ExternalTool.run(["python3", script, example.site.path, example.siteID, testMasterKey.base64EncodedSecret()], environment: example.environment)
    }

    @Test("tollgate.js opens the site's sealed pages under Node")
    func node() throws {
        guard try ExternalTool.require(["node"]) else { return }
        let example = try Self.example.get()
        try ExternalTool.run(["node", "--test", FixtureSite.repositoryRoot.appendingPathComponent("Tests/js/decrypt.test.mjs").path], environment: example.environment)
    }

    @Test("a member unlocks chapters in headless Chromium: wrong code, right code, next page, sign out")
    func chromium() throws {
        guard try ExternalTool.require(["python3", "chromium", "chromedriver"], module: "selenium") else { return }
        let example = try Self.example.get()
        try ExternalTool.run(["python3", FixtureSite.repositoryRoot.appendingPathComponent("Tests/e2e/unlock_test.py").path], environment: example.environment, timeout: 300)
    }
}

/// Runs programs outside Swift for tests.
enum ExternalTool {
    static var isCI: Bool { MasterKeyLocator.isCI(ProcessInfo.processInfo.environment) }

    /// True when every tool (and the Python module) is there; false to skip outside CI.
    /// - Throws: when something is missing in CI.
    static func require(_ tools: [String], module: String? = nil) throws -> Bool {
        var missing = tools.filter { (try? run(["sh", "-c", "command -v \($0)"], environment: [:], quiet: true)) == nil }
        if let module, missing.isEmpty, (try? run(["python3", "-c", "import \(module)"], environment: [:], quiet: true)) == nil {
            missing.append("python3 module \(module)")
        }
        guard missing.isEmpty else {
            if isCI { throw ToolFailure(message: "missing in CI: \(missing.joined(separator: ", ")) (.ci/run installs them)") }
            print("skipped: missing \(missing.joined(separator: ", "))")
            return false
        }
        return true
    }

    struct ToolFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// Runs `arguments` with `environment` added, failing with its output when it exits non-zero
    /// or outlives `timeout` seconds.
    @discardableResult
    static func run(_ arguments: [String], environment: [String: String], timeout: Double = 120, quiet: Bool = false) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.currentDirectoryURL = FixtureSite.repositoryRoot
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-tool-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try handle.close()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        if !quiet { print(output) }
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw ToolFailure(message: "\(arguments.joined(separator: " ")) failed (status \(process.terminationStatus)):\n\(output)")
        }
        return output
    }
}
