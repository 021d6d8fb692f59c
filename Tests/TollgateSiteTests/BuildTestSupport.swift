import Foundation
import Testing
import TollgateTestSupport

@testable import TollgateSite

/// The on-disk fixtures of this test target.
enum Fixtures {
    static var folder: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures") }
    static func valid(_ name: String) -> URL { folder.appendingPathComponent(name) }
    static func invalid(_ name: String) -> URL { folder.appendingPathComponent("invalid").appendingPathComponent(name) }
    static var invalidCases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("invalid").path)) ?? []).sorted()
    }
}

/// A fixture copied to a temporary folder and built once.
struct BuiltSite {
    let site: FixtureSite
    let output: URL
    let report: BuildReport

    init(_ fixture: URL, drafts: Bool = false) throws {
        site = try FixtureSite(copying: fixture)
        output = site.outputFolder()
        report = try Pipeline.build(BuildOptions.fixture(source: site.root, output: output, includeDrafts: drafts))
    }

    func read(_ path: String) throws -> String { try FixtureSite.read(path, in: output) }
    var files: [String] { FixtureSite.files(in: output) }
    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: output.appendingPathComponent(path).path) }
}
