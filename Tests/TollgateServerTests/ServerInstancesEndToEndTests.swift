import Foundation
import Testing
import TollgateTestSupport

/// Two real `tollgate-server` processes on one PostgreSQL database behind nginx
/// (`Tests/e2e/server_instances_test.py`): the device-limit race, webhook idempotency, a brute
/// force over both, a revocation seen by the other instance within a second, `kill -9` during a
/// burst of webhooks, and a member unlocking in headless Chromium through nginx. 127.0.0.1 only.
///
/// Needs the built binaries, `python3` with `selenium`, `chromium`, `chromedriver`, `nginx`,
/// `psql` and a PostgreSQL server (see ``PostgresTestServer``); outside CI a missing one skips it.
@Suite("tollgate-server instances behind nginx", .serialized)
struct ServerInstancesEndToEndTests {
    static var toolsPresent: Bool {
        PostgresTestServer.available && ExternalTool.available(["python3", "chromium", "chromedriver", "nginx", "psql"], module: "selenium")
    }

    @Test("two instances on PostgreSQL behind nginx keep every promise of one server", .enabled(if: toolsPresent))
    func instancesBehindNginx() throws {
        guard try ExternalTool.require(["python3", "chromium", "chromedriver", "nginx", "psql"], module: "selenium"),
              let tollgate = try ExternalTool.product("tollgate"), let server = try ExternalTool.product("tollgate-server")
        else { return }
        try ExternalTool.run(
            [
                "python3", ServerEndToEndTests.scripts.appendingPathComponent("server_instances_test.py").path,
                "--tollgate", tollgate.path, "--server", server.path, "--postgres", PostgresTestServer.url,
            ],
            environment: ["PATH": (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin") + ":/usr/sbin:/sbin"],
            timeout: 600
        )
    }
}
