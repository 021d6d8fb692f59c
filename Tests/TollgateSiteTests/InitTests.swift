import Foundation
import Testing
import TollgateTestSupport

@testable import TollgateSite

@Suite("tollgate init")
struct InitTests {
    @Test("a new site builds, with a sample course of free and premium chapters")
    func newSiteBuilds() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-init-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try SiteInitializer.create(at: folder)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("site.yml").path))
        #expect(try FixtureSite.read(".gitignore", in: folder).contains("_site/"))
        let report = try Pipeline.build(BuildOptions.fixture(source: folder))
        #expect(report.chapters >= 3)
        #expect(report.premiumChapters >= 1)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("_site/index.html").path))
    }

    @Test("--with-theme copies the theme for editing, and the site still builds")
    func withTheme() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-init-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try SiteInitializer.create(at: folder, withTheme: true)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("layouts/chapter.mustache").path))
        _ = try Pipeline.build(BuildOptions.fixture(source: folder))
    }

    @Test("init refuses a folder that has files, and writes nothing")
    func refusesNonEmpty() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-init-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "keep me".write(to: folder.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        #expect(throws: Diagnostic.self) { try SiteInitializer.create(at: folder) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["notes.txt"])
    }
}
