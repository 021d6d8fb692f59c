import Foundation
import Testing
import TollgateTestSupport

@testable import TollgateSite

/// Every fixture under Fixtures/invalid fails with exactly the messages of its expected.txt.
@Suite("Bad input: the error catalogue")
struct ErrorCatalogueTests {
    @Test("each invalid fixture reports every problem, with file and line", arguments: Fixtures.invalidCases)
    func invalidFixture(_ name: String) throws {
        let site = try FixtureSite(copying: Fixtures.invalid(name))
        defer { site.remove() }
        let expected = try FixtureSite.read("expected.txt", in: site.root).trimmingCharacters(in: .whitespacesAndNewlines)
        try FileManager.default.removeItem(at: site.root.appendingPathComponent("expected.txt"))
        let output = site.outputFolder()
        do {
            _ = try Pipeline.build(BuildOptions.fixture(source: site.root, output: output))
            Issue.record("\(name) built without errors")
        } catch let failure as BuildFailure {
            #expect(failure.description == expected)
        }
        #expect(!FileManager.default.fileExists(atPath: output.path), "a failed build wrote \(output.path)")
    }

    @Test("a folder without site.yml says what it expected")
    func noSiteFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            _ = try Pipeline.build(BuildOptions.fixture(source: folder))
            Issue.record("built an empty folder")
        } catch let failure as BuildFailure {
            #expect(failure.step == "load configuration")
            #expect(failure.diagnostics.first?.message.hasPrefix("no site.yml in ") == true)
        }
    }

    @Test("the output folder may not be the site itself")
    func outputIsSource() throws {
        let site = try FixtureSite(copying: Fixtures.valid("valid"))
        defer { site.remove() }
        #expect(throws: BuildFailure.self) { try Pipeline.build(BuildOptions.fixture(source: site.root, output: site.root)) }
        #expect(FileManager.default.fileExists(atPath: site.root.appendingPathComponent("site.yml").path))
    }
}
