import Foundation
import Testing
import TollgateCrypto
import TollgateTestSupport

@testable import TollgateSite

/// The example site's premium diagram and the starter's premium download come out sealed.
@Suite("Premium assets of the example and starter sites")
struct PremiumAssetExampleTests {
    /// Builds the site at `root`; returns the sealed files and every output path.
    func build(_ root: URL) throws -> (output: URL, sealed: [String], files: [String]) {
        let output = root.appendingPathComponent("_site")
        _ = try Pipeline.build(BuildOptions.fixture(source: root, output: output))
        let files = FixtureSite.files(in: output)
        return (output, files.filter { $0.hasPrefix("assets/sealed/") }, files)
    }

    /// True when some output file holds `bytes` in clear.
    func published(_ bytes: Data, in output: URL, files: [String]) throws -> Bool {
        try files.contains { try Data(contentsOf: output.appendingPathComponent($0)).range(of: bytes) != nil }
    }

    @Test("the example site's premium actors diagram is sealed; its free diagrams stay public")
    func exampleSite() throws {
        let site = try FixtureSite.exampleSite()
        defer { site.remove() }
        let (output, sealed, files) = try build(site.root)
        #expect(sealed.count == 1)
        #expect(!files.contains { $0.contains("actors.svg") })
        #expect(files.contains("swift-concurrency/images/task-tree.svg"))
        let diagram = try Data(contentsOf: site.root.appendingPathComponent("content/swift-concurrency/images/actors.svg"))
        #expect(try !published(diagram.prefix(400).suffix(200), in: output, files: files))
        let id = String(try #require(sealed.first).dropFirst("assets/sealed/".count).dropLast(".bin".count))
        let opened = try SealedAsset.open(
            [UInt8](Data(contentsOf: output.appendingPathComponent(sealed[0]))), site: "courses.example.com", id: id,
            with: testMasterKey.tierKey("concurrency", epoch: 1))
        #expect(opened.elementsEqual(diagram))
    }

    @Test("the starter's premium download (`tollgate init`) is sealed and opens for its tier")
    func starterSite() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-init-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try SiteInitializer.create(at: folder)
        let (output, sealed, files) = try build(folder)
        #expect(sealed.count == 1)
        #expect(!files.contains { $0.contains("checklist") })
        let download = try Data(contentsOf: folder.appendingPathComponent("content/my-first-course/files/chapter-checklist.txt"))
        #expect(try !published(download.prefix(120), in: output, files: files))
        let id = String(try #require(sealed.first).dropFirst("assets/sealed/".count).dropLast(".bin".count))
        let opened = try SealedAsset.open(
            [UInt8](Data(contentsOf: output.appendingPathComponent(sealed[0]))), site: "example.com", id: id,
            with: testMasterKey.tierKey("member", epoch: 1))
        #expect(opened.elementsEqual(download))
    }
}
