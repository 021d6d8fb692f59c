import Foundation
import Testing
import TollgateTestSupport

/// The member's side of the example site in headless Chromium against a real
/// `tollgate-server` process (`Tests/e2e/member_test.py`, 127.0.0.1 only): unlocked marks,
/// the account control, reading progress, offline reading, devices, sign out, revocation,
/// layout at phone widths and the privacy of the requests. Its screenshots of every page
/// kind go to `$TOLLGATE_SCREENSHOTS`, else `tollgate-screenshots` in the temporary folder.
@Suite("The member's side in Chromium")
struct MemberBrowserTests {
    static let tools = ["python3", "chromium", "chromedriver"]
    static let runs = ExternalTool.available(tools, module: "selenium")

    @Test(
        "locks turn unlocked, progress and continue, offline with the network off, devices freed, sign out, revocation shown, no overflow at 320-430 px",
        .enabled(if: runs, "needs python3 with selenium, chromium and chromedriver"))
    func member() throws {
        #expect(try ExternalTool.require(Self.tools, module: "selenium"))
        guard let tollgate = try ExternalTool.product("tollgate"), let server = try ExternalTool.product("tollgate-server") else { return }
        try ExternalTool.run(
            ["python3", FixtureSite.repositoryRoot.appendingPathComponent("Tests/e2e/member_test.py").path, "--tollgate", tollgate.path, "--server", server.path],
            environment: [:], timeout: 600)
    }
}
