import Foundation
import Testing
import TollgateCrypto
import TollgateTestSupport

@testable import TollgateSite

/// Highlighted code in a premium part opened in headless Chromium (Tests/e2e/code_test.py),
/// on the example site built by the Swift code. Needs python3 with selenium, chromium and
/// chromedriver: skipped without them, a failure with `CI` set.
@Suite("Highlighted code in Chromium")
struct HighlightBrowserTests {
    static let tools = ["python3", "chromium", "chromedriver"]
    static let runs = ExternalTool.isCI || (try? ExternalTool.require(tools, module: "selenium")) == true

    @Test(
        "a premium chapter opened in Chromium shows highlighted code, its title and label, and its copy button copies the code",
        .enabled(if: runs, "needs python3 with selenium, chromium and chromedriver"))
    func chromium() throws {
        #expect(try ExternalTool.require(Self.tools, module: "selenium"))
        let site = try FixtureSite.exampleSite()
        defer { site.remove() }
        let output = site.outputFolder()
        _ = try Pipeline.build(BuildOptions.fixture(source: site.root, output: output))
        let code = testMasterKey.accessCode("concurrency", epoch: 1).text
        try ExternalTool.run(
            ["python3", FixtureSite.repositoryRoot.appendingPathComponent("Tests/e2e/code_test.py").path],
            environment: [
                "TOLLGATE_SITE": output.path, "TOLLGATE_CODES": "{\"concurrency\": \(Encoding.jsonString(code))}",
                "TOLLGATE_CODE_PAGE": "swift-concurrency/foundations/task-groups/", "TOLLGATE_CODE_TITLE": "Catalog+Products.swift",
            ], timeout: 300)
    }
}
