import Foundation
import Testing
import TollgateCrypto
import TollgateTestSupport

@testable import TollgateSite

/// Sealed premium assets in headless Chromium (Tests/e2e/asset_test.py), on the
/// `premium-assets` fixture built by the Swift code. Needs python3 with selenium, chromium
/// and chromedriver: skipped without them, a failure with `CI` set.
@Suite("Premium assets in Chromium")
struct PremiumAssetBrowserTests {
    static let tools = ["python3", "chromium", "chromedriver"]
    /// True when the tools are there, and always in CI, where the test then fails on a
    /// missing tool; elsewhere `require` prints what is missing.
    static let runs = ExternalTool.isCI || (try? ExternalTool.require(tools, module: "selenium")) == true

    @Test(
        "a premium image appears after unlock from a blob: URL, never in clear before; a sealed download saves the original bytes",
        .enabled(if: runs, "needs python3 with selenium, chromium and chromedriver"))
    func chromium() throws {
        #expect(try ExternalTool.require(Self.tools, module: "selenium"))
        let site = try FixtureSite(copying: Fixtures.valid("premium-assets"))
        defer { site.remove() }
        let output = site.outputFolder()
        _ = try Pipeline.build(BuildOptions.fixture(source: site.root, output: output))
        let code = testMasterKey.accessCode("member", epoch: 1).text
        let content = site.root.appendingPathComponent("content/studio")
        try ExternalTool.run(
            ["python3", FixtureSite.repositoryRoot.appendingPathComponent("Tests/e2e/asset_test.py").path],
            environment: [
                "TOLLGATE_SITE": output.path, "TOLLGATE_CODES": "{\"member\": \(Encoding.jsonString(code))}",
                "TOLLGATE_ASSET_PAGE": "studio/members/", "TOLLGATE_BASE_PATH": "/academy",
                "TOLLGATE_ASSET_IMAGE": content.appendingPathComponent("images/secret-diagram.png").path,
                "TOLLGATE_ASSET_DOWNLOAD": content.appendingPathComponent("files/answer-kit.zip").path,
            ], timeout: 300)
    }
}
