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

    @Test("tollgate.js opens the site's sealed pages under Node, and talks to the license server as docs/server.md says")
    func node() throws {
        guard try ExternalTool.require(["node"]) else { return }
        let example = try Self.example.get()
        let tests = ["decrypt.test.mjs", "server.test.mjs"].map { FixtureSite.repositoryRoot.appendingPathComponent("Tests/js/\($0)").path }
        try ExternalTool.run(["node", "--test"] + tests, environment: example.environment)
    }

    @Test("a member unlocks chapters in headless Chromium: wrong code, right code, next page, sign out")
    func chromium() throws {
        guard try ExternalTool.require(["python3", "chromium", "chromedriver"], module: "selenium") else { return }
        let example = try Self.example.get()
        try ExternalTool.run(["python3", FixtureSite.repositoryRoot.appendingPathComponent("Tests/e2e/unlock_test.py").path], environment: example.environment, timeout: 300)
    }
}
