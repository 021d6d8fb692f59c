import Foundation
import TollgateSite

/// Runs programs outside Swift for tests.
package enum ExternalTool {
    package static var isCI: Bool { MasterKeyLocator.isCI(ProcessInfo.processInfo.environment) }

    /// True when every tool (and the Python module) is there; false to skip outside CI.
    /// - Throws: when something is missing in CI.
    package static func require(_ tools: [String], module: String? = nil) throws -> Bool {
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

    /// For `.enabled(if:)`: true when every tool is there, and always in CI, where the test
    /// then fails in ``require(_:module:)`` naming what is missing; elsewhere false when one is
    /// missing, after printing which.
    package static func available(_ tools: [String], module: String? = nil) -> Bool {
        isCI || ((try? require(tools, module: module)) ?? false)
    }

    package struct ToolFailure: Error, CustomStringConvertible {
        package let message: String
        package var description: String { message }

        package init(message: String) {
            self.message = message
        }
    }

    /// Runs `arguments` with `environment` added, failing with its output when it exits non-zero
    /// or outlives `timeout` seconds.
    @discardableResult
    package static func run(_ arguments: [String], environment: [String: String], timeout: Double = 120, quiet: Bool = false) throws -> String {
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

    /// The folder of the built products (`tollgate`, `tollgate-server`): the test bundle's.
    package static var productsFolder: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// The built executable `name`, or nil (a failure in CI) when it was not built.
    package static func product(_ name: String) throws -> URL? {
        let url = productsFolder.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            if isCI { throw ToolFailure(message: "\(name) is not built in \(productsFolder.path) (swift build --build-tests builds it)") }
            print("skipped: \(name) is not built in \(productsFolder.path)")
            return nil
        }
        return url
    }
}
