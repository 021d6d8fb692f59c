import Foundation
import Testing
import TollgateTestSupport

/// `swift test` on a machine with only the README's prerequisites: a test that needs no
/// browser must not need selenium either. `.ci/fresh-machine` runs the tests that use outside
/// tools with node, chromium and chromedriver hidden and such a python3, and checks that each
/// one skips with its reason (and fails instead with `CI` set).
@Suite("A machine with only the README's prerequisites")
struct FreshMachineTests {
    @Test(
        "the kill -9 test and its shared helper load in a python3 without selenium",
        .enabled(if: ExternalTool.available(["python3"]))
    )
    func crashTestNeedsNoSelenium() throws {
        _ = try ExternalTool.require(["python3"])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-bare-python-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try ExternalTool.run(["python3", "-m", "venv", "--without-pip", folder.path], environment: [:], quiet: true)
        let python = folder.appendingPathComponent("bin/python3").path
        let script = """
            import importlib.util, sys
            assert importlib.util.find_spec("selenium") is None, "this python3 has selenium"
            sys.path.insert(0, "Tests/e2e")
            import tollgate_e2e, server_crash_test
            try:
                tollgate_e2e.unlock_test.start_browser()
            except ModuleNotFoundError as error:
                print("a browser needs selenium:", error)
            else:
                raise SystemExit("a browser started without selenium")
            """
        let output = try ExternalTool.run([python, "-c", script], environment: [:])
        #expect(output.contains("a browser needs selenium: No module named 'selenium'"))
    }
}
