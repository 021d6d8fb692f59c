import Foundation
import Testing
import TollgateTestSupport

/// The real `tollgate-server` process: a member unlocking in headless Chromium across key
/// rotations and a revocation (`Tests/e2e/server_e2e_test.py`), and `kill -9` in the middle
/// of a burst of issues (`Tests/e2e/server_crash_test.py`). Both talk to 127.0.0.1 only.
///
/// They need the built `tollgate` and `tollgate-server`, `python3` with `selenium`,
/// `chromium` and `chromedriver`; outside CI a missing tool skips them.
@Suite("tollgate-server as a process", .serialized)
struct ServerEndToEndTests {
    static let scripts = FixtureSite.repositoryRoot.appendingPathComponent("Tests/e2e")

    @Test("Chromium unlocks with a license key, refreshes after a rotation without asking, and loses access after a revocation")
    func browser() throws {
        guard try ExternalTool.require(["python3", "chromium", "chromedriver"], module: "selenium"),
              let tollgate = try ExternalTool.product("tollgate"), let server = try ExternalTool.product("tollgate-server")
        else { return }
        try ExternalTool.run(
            ["python3", Self.scripts.appendingPathComponent("server_e2e_test.py").path, "--tollgate", tollgate.path, "--server", server.path],
            environment: [:], timeout: 300
        )
    }

    @Test("kill -9 during a burst of issues loses no acknowledged license and leaves a sound database with no key in it")
    func crash() throws {
        guard try ExternalTool.require(["python3"]), let server = try ExternalTool.product("tollgate-server") else { return }
        try ExternalTool.run(
            ["python3", Self.scripts.appendingPathComponent("server_crash_test.py").path, "--server", server.path],
            environment: [:], timeout: 300
        )
    }
}
