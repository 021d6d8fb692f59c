import Foundation
import Testing
import TollgateCrypto
import TollgateTestSupport

@testable import TollgateSite

/// The fixture `premium-assets`: a course whose premium parts use pictures and a download,
/// some of them also used by public pages.
@Suite("Premium assets in a build")
struct PremiumAssetBuildTests {
    static let site = "fixtures.example.org/academy"
    static let premiumFiles = ["secret-diagram.png", "answer-kit.zip", "twin-plan.svg"]

    func build(_ change: (FixtureSite) throws -> Void = { _ in }, premium: PremiumHandling = .seal) throws -> (FixtureSite, URL) {
        let site = try FixtureSite(copying: Fixtures.valid("premium-assets"))
        try change(site)
        var options = BuildOptions.fixture(source: site.root, output: site.outputFolder())
        options.premium = premium
        _ = try Pipeline.build(options)
        return (site, site.outputFolder())
    }

    func bytes(_ path: String, in folder: URL) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: folder.appendingPathComponent(path)))
    }

    func sealedFiles(in output: URL) -> [String] {
        FixtureSite.files(in: output).filter { $0.hasPrefix("assets/sealed/") }
    }

    func premiumHTML(_ chapter: String, in output: URL, tier: String = "pro") throws -> String {
        let page = try SealedPage(html: FixtureSite.read(chapter + "index.html", in: output))
        return try page.payload.open(site: Self.site, path: chapter, with: testMasterKey.tierKey(tier, epoch: 1))
    }

    /// The sealed file a premium part refers to for `alt` or link text `marker`.
    func sealedPath(for marker: String, in html: String) throws -> String {
        let tag = try #require(HTMLTag.all(in: html).first { tag in
            tag.attributes.contains { $0.value == marker } || html.utf8.dropFirst(tag.range.upperBound).starts(with: marker.utf8)
        })
        let url = try #require(tag.attribute("data-tollgate-asset")?.value)
        #expect(url.hasPrefix("/academy/assets/sealed/") && url.hasSuffix(".bin"))
        return String(url.dropFirst("/academy/".count))
    }

    @Test("an asset only premium parts use is sealed for the union of their readers; one a public page, the course page or static/ uses is copied as before")
    func premiumOnlyAndShared() throws {
        let (site, output) = try build()
        defer { site.remove() }
        let images = site.root.appendingPathComponent("content/studio/images")
        for name in ["shared-chart.png", "course-banner.gif", "logo-mark.png"] {
            #expect(try bytes("studio/images/\(name)", in: output).elementsEqual(bytes(name, in: images)), "\(name) stays public")
        }
        for name in Self.premiumFiles {
            #expect(!FileManager.default.fileExists(atPath: output.appendingPathComponent("studio/images/\(name)").path))
            #expect(!FileManager.default.fileExists(atPath: output.appendingPathComponent("studio/files/\(name)").path))
        }
        #expect(sealedFiles(in: output).count == 3)

        let members = try premiumHTML("studio/members/", in: output)
        let solo = try premiumHTML("studio/solo/", in: output)
        let diagram = try sealedPath(for: "A secret diagram", in: members)
        let kit = try sealedPath(for: "Download the kit", in: members)
        let plan = try sealedPath(for: "The plan", in: solo)
        #expect(try sealedPath(for: "a twin plan", in: members) == plan)
        let cases: [(path: String, source: String, readers: [String])] = [
            (diagram, "images/secret-diagram.png", ["member", "pro"]), (kit, "files/answer-kit.zip", ["member", "pro"]),
            (plan, "images/twin-plan.svg", ["member", "solo", "pro"]),
        ]
        for (path, source, readers) in cases {
            let sealed = try bytes(path, in: output)
            let id = String(path.dropFirst("assets/sealed/".count).dropLast(".bin".count))
            let original = try bytes(source, in: site.root.appendingPathComponent("content/studio"))
            for tier in ["member", "solo", "pro"] {
                let key = testMasterKey.tierKey(tier, epoch: 1)
                if readers.contains(tier) {
                    #expect(try SealedAsset.open(sealed, site: Self.site, id: id, with: key).elementsEqual(original), "\(source) opens for \(tier)")
                } else {
                    #expect((try? SealedAsset.open(sealed, site: Self.site, id: id, with: key)) == nil, "\(source) does not open for \(tier)")
                }
            }
        }
    }

    @Test(
        "a premium part's asset stays public when a teaser or a layout also uses it",
        arguments: [
            ("content/studio/03-solo.md", "The public teaser of the solo session is short.", "The public teaser of the solo session is short. ![A teaser picture](images/secret-diagram.png)"),
            ("layouts/assets/site.css", "", ".hero { background: url(/academy/studio/images/secret-diagram.png); }\n"),
        ])
    func publicUse(file: String, original: String, replacement: String) throws {
        let (site, output) = try build { site in
            let url = site.root.appendingPathComponent(file)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
            try (original.isEmpty ? replacement : text.replacingOccurrences(of: original, with: replacement)).write(to: url, atomically: true, encoding: .utf8)
        }
        defer { site.remove() }
        #expect(try bytes("studio/images/secret-diagram.png", in: output).elementsEqual(bytes("content/studio/images/secret-diagram.png", in: site.root)))
        #expect(sealedFiles(in: output).count == 2)
        #expect(try premiumHTML("studio/members/", in: output).contains("<img src=\"/academy/studio/images/secret-diagram.png\" alt=\"A secret diagram\""))
    }

    @Test("references in premium parts follow the markup contract: no src, the sealed URL, the type, the image's size, the download's name")
    func referencesRewritten() throws {
        let (site, output) = try build()
        defer { site.remove() }
        let members = try premiumHTML("studio/members/", in: output)
        let diagram = try #require(HTMLTag.all(in: members).first { $0.attribute("alt")?.value == "A secret diagram" })
        #expect(diagram.attribute("src") == nil)
        #expect(diagram.attribute("data-tollgate-attr")?.value == "src")
        #expect(diagram.attribute("data-tollgate-type")?.value == "image/png")
        #expect(diagram.attribute("width")?.value == "48" && diagram.attribute("height")?.value == "32")
        #expect(diagram.attribute("title")?.value == "The plan")
        let plan = try #require(HTMLTag.all(in: members).first { $0.attribute("alt")?.value == "a twin plan" })
        #expect(plan.attribute("data-tollgate-type")?.value == "image/svg+xml")
        #expect(plan.attribute("width")?.value == "320" && plan.attribute("height")?.value == "180")
        let kit = try #require(HTMLTag.all(in: members).first { $0.name == "a" && $0.attribute("download") != nil })
        #expect(kit.attribute("href")?.value == kit.attribute("data-tollgate-asset")?.value)
        #expect(kit.attribute("data-tollgate-attr")?.value == "download")
        #expect(kit.attribute("data-tollgate-type")?.value == "application/zip")
        #expect(kit.attribute("download")?.value == "answer-kit.zip")
        // The shared chart stays a plain public image.
        #expect(members.contains("<img src=\"/academy/studio/images/shared-chart.png\" alt=\"The shared chart again\" />"))
    }

    @Test("no original name of a premium asset is anywhere in the output: not in a path, not in a file")
    func opaqueNames() throws {
        let (site, output) = try build()
        defer { site.remove() }
        for path in FixtureSite.files(in: output) {
            let data = try Data(contentsOf: output.appendingPathComponent(path))
            for name in Self.premiumFiles {
                let stem = String(name.prefix { $0 != "." })
                #expect(!path.contains(stem), "\(path) names \(name)")
                #expect(data.range(of: Data(stem.utf8)) == nil, "\(path) names \(name)")
            }
        }
        for path in sealedFiles(in: output) {
            let id = path.dropFirst("assets/sealed/".count).dropLast(".bin".count)
            #expect(id.count >= 32 && id.allSatisfy(\.isHexDigit), "\(path) has an opaque hex name")
        }
    }

    @Test("with premium parts withheld, premium-only assets are not published at all, and public ones are")
    func withheld() throws {
        let (site, output) = try build(premium: .withhold)
        defer { site.remove() }
        #expect(sealedFiles(in: output).isEmpty)
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("studio/images/shared-chart.png").path))
        for name in Self.premiumFiles {
            let stem = String(name.prefix { $0 != "." })
            #expect(!FixtureSite.files(in: output).contains { $0.contains(stem) })
        }
    }

    @Test("two builds of the same site give the same output, sealed assets and pages byte for byte, under the same names")
    func reproducible() throws {
        let (site, output) = try build()
        defer { site.remove() }
        let second = site.outputFolder("_site2")
        _ = try Pipeline.build(BuildOptions.fixture(source: site.root, output: second))
        #expect(sealedFiles(in: output).count == 3)
        #expect(FixtureSite.files(in: output) == FixtureSite.files(in: second))
        for path in FixtureSite.files(in: output) {
            #expect(try bytes(path, in: output).elementsEqual(bytes(path, in: second)), "\(path) is the same")
        }
        let members = try premiumHTML("studio/members/", in: output)
        #expect(members == (try premiumHTML("studio/members/", in: second)))
    }

    @Test("a premium part using a premium-only asset where a sealed page cannot fill it in (srcset) fails the build, naming the chapter and the asset")
    func unsealableReference() throws {
        let failure = try #require(throws: BuildFailure.self) {
            _ = try build { site in
                let config = site.root.appendingPathComponent("site.yml")
                try (String(contentsOf: config, encoding: .utf8) + "markdown:\n  raw_html: true\n").write(to: config, atomically: true, encoding: .utf8)
                let chapter = site.root.appendingPathComponent("content/studio/03-solo.md")
                try (String(contentsOf: chapter, encoding: .utf8) + "\n<img alt=\"x\" srcset=\"/academy/studio/images/secret-diagram.png 2x\">\n")
                    .write(to: chapter, atomically: true, encoding: .utf8)
            }
        }
        #expect(failure.step == "seal premium assets")
        let message = failure.description
        #expect(message.contains("content/studio/03-solo.md"))
        #expect(message.contains("content/studio/images/secret-diagram.png in <img srcset>"))
    }
}
