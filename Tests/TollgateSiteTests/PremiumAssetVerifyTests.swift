import Foundation
import Testing
import TollgateTestSupport

@testable import TollgateSite

/// The verify step finds the bytes of premium assets in clear, wherever the author's files
/// put them.
@Suite("Verify: premium assets in clear")
struct PremiumAssetVerifyTests {
    let diagram = "content/studio/images/secret-diagram.png"

    /// Builds the fixture after `plant` adds files; returns the failure.
    func failure(_ plant: (URL, Data) throws -> Void) throws -> BuildFailure {
        let site = try FixtureSite(copying: Fixtures.valid("premium-assets"))
        defer { site.remove() }
        try plant(site.root, try Data(contentsOf: site.root.appendingPathComponent(diagram)))
        let failure = try #require(throws: BuildFailure.self) {
            _ = try Pipeline.build(BuildOptions.fixture(source: site.root, output: site.outputFolder()))
        }
        #expect(!FileManager.default.fileExists(atPath: site.outputFolder().path), "nothing was published")
        return failure
    }

    func write(_ data: Data, to path: String, in root: URL) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    @Test("a copy of a premium image under another name in static/ fails verify, naming the output file, the asset and the fix")
    func copyInStatic() throws {
        let failure = try failure { root, bytes in try write(bytes, to: "static/img/harmless.png", in: root) }
        #expect(failure.step == "verify")
        let finding = try #require(failure.diagnostics.first)
        #expect(finding.file == "_site/img/harmless.png")
        #expect(finding.message.contains("a copy of the premium asset \(diagram) in clear"))
        #expect(finding.message.contains("remove this copy"))
        #expect(failure.diagnostics.count == 1)
    }

    @Test("a premium image inside another file (a layout asset) fails verify")
    func insideLayoutAsset() throws {
        let failure = try failure { root, bytes in
            try write(Data("/* bundle */\n".utf8) + bytes + Data("\n/* end */\n".utf8), to: "layouts/assets/bundle.dat", in: root)
        }
        #expect(failure.step == "verify")
        #expect(failure.diagnostics.map(\.file) == ["_site/assets/bundle.dat"])
        #expect(failure.diagnostics.first?.message.contains("the bytes of the premium asset \(diagram)") == true)
    }

    @Test("a second copy of a premium asset among the content assets, used by a public page, fails verify")
    func publicTwinInContent() throws {
        let failure = try failure { root, bytes in
            try write(bytes, to: "content/studio/images/copy.png", in: root)
            let chapter = root.appendingPathComponent("content/studio/01-open.md")
            try (String(contentsOf: chapter, encoding: .utf8) + "\n![copy](images/copy.png)\n").write(to: chapter, atomically: true, encoding: .utf8)
        }
        #expect(failure.diagnostics.map(\.file) == ["_site/studio/images/copy.png"])
    }

    @Test("`tollgate check --leaks` finds a premium asset in a folder built elsewhere")
    func checkLeaks() throws {
        let site = try FixtureSite(copying: Fixtures.valid("premium-assets"))
        defer { site.remove() }
        let output = site.outputFolder()
        _ = try Pipeline.build(BuildOptions.fixture(source: site.root, output: output))
        #expect(try Pipeline.checkLeaks(BuildOptions.fixture(source: site.root), folder: output) > 0)
        try FileManager.default.copyItem(at: site.root.appendingPathComponent(diagram), to: output.appendingPathComponent("stray.bin"))
        let failure = try #require(throws: BuildFailure.self) {
            try Pipeline.checkLeaks(BuildOptions.fixture(source: site.root), folder: output)
        }
        #expect(failure.diagnostics.map(\.file) == [output.path + "/stray.bin"])
    }

    @Test("the asset is found inside other bytes at any offset, and not in files that share only its header")
    func anyOffset() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-windows-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("out"), withIntermediateDirectories: true)
        var generator = SystemRandomNumberGenerator()
        let asset = Data((0..<3000).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try asset.write(to: folder.appendingPathComponent("asset.bin"))
        let check = PremiumAssetCheck(
            assets: [PremiumAsset(asset: Asset(source: "asset.bin", output: "x/asset.bin"), readers: ["member"], chapters: [0])], source: folder)
        for offset in [0, 1, 7, 31, 32, 33, 95, 1000] {
            try (Data(repeating: 0x20, count: offset) + asset + Data("tail".utf8)).write(to: folder.appendingPathComponent("out/at-\(offset).dat"))
        }
        try (asset.prefix(600) + Data(repeating: 1, count: 2400)).write(to: folder.appendingPathComponent("out/header-only.dat"))
        let files = check.findings(in: folder.appendingPathComponent("out"), label: "out").compactMap(\.file)
        #expect(files == [0, 1, 1000, 31, 32, 33, 7, 95].map { "out/at-\($0).dat" })
    }

    @Test("the windows sampled from an asset skip runs of one byte and find the asset inside other bytes")
    func windows() {
        var asset = [UInt8](repeating: 0, count: 4000)
        for index in asset.indices where index % 3 == 0 { asset[index] = UInt8(truncatingIfNeeded: index &* 7919 >> 3) }
        let prints = asset.withUnsafeBufferPointer { PremiumAssetCheck.windows(of: $0) }
        #expect(prints.count == 3)
        #expect(prints.allSatisfy { Set($0).count >= 16 })
        let flat = [UInt8](repeating: 7, count: 4000)
        #expect(flat.withUnsafeBufferPointer { PremiumAssetCheck.windows(of: $0) }.isEmpty)
    }
}
