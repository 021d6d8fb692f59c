import Foundation
import Testing
import TollgateTestSupport

@testable import TollgateSite

@Suite("Premium text never leaves the build in clear")
struct PremiumWithholdingTests {
    @Test("no premium text is written anywhere: pages, feed, sitemap, meta and Open Graph tags")
    func canary() throws {
        let built = try BuiltSite(Fixtures.valid("valid"))
        defer { built.site.remove() }
        for file in built.files {
            let data = FileManager.default.contents(atPath: built.output.appendingPathComponent(file).path) ?? Data()
            let text = String(decoding: data, as: UTF8.self)
            #expect(!text.contains("CANARY"), "premium text in \(file)")
            #expect(!text.localizedCaseInsensitiveContains("canary"), "premium text in \(file)")
        }
        let ownership = try built.read("rust/basics/ownership/index.html")
        #expect(ownership.contains("The public teaser sentence about ownership"))
        #expect(!ownership.contains(">Moves<"), "a premium heading is in the table of contents")
        let intro = try built.read("go/intro/index.html")
        #expect(intro.contains("only this first paragraph is public"))
    }

    @Test("the leak check catches premium text planted in a feed, a meta tag and a JSON file")
    func leakCheck() throws {
        var fingerprints = LeakFingerprints()
        let secret = "Every actor serialises access to its own state through a private executor queue."
        fingerprints.addPremium(html: "<h2>Deep dive</h2><p>\(secret) And more after it.</p>", chapter: 0)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-leak-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let staging = OutputFolder(url: folder)
        try staging.write("<feed><content type=\"html\">&lt;p&gt;\(secret.replacingOccurrences(of: "its own", with: "its &lt;em&gt;own&lt;/em&gt;"))&lt;/p&gt;</content></feed>", to: "feed.xml")
        try staging.write("<html><head><meta name=\"description\" content=\"\(secret)\"></head></html>", to: "a/index.html")
        try staging.write("{\"text\": \"\(secret.uppercased())\"}", to: "search.json")
        try staging.write("<p>Every actor is different, and that is fine for a public page to say.</p>", to: "b/index.html")
        let (report, files) = LeakScanner(fingerprints: fingerprints).scan(folder: folder, label: "_site")
        #expect(files == 4)
        #expect(report.files.count == 1, "one finding per premium sentence")
        #expect(report.files.values.first?.sorted() == ["a/index.html", "feed.xml", "search.json"])
        // The finding quotes the sentence from the chapter's source, at its line.
        let source = folder.appendingPathComponent("source")
        try FileManager.default.createDirectory(at: source.appendingPathComponent("content/c"), withIntermediateDirectories: true)
        try "---\ntitle: X\n---\n\nTeaser.\n\n<!-- more -->\n\n\(secret) And more after it.\n".write(
            to: source.appendingPathComponent("content/c/01-x.md"), atomically: true, encoding: .utf8)
        let leaks = report.diagnostics(fingerprints: fingerprints, chapterSources: ["content/c/01-x.md"], source: source, building: true)
        #expect(leaks.map(\.description) == [
            "content/c/01-x.md:9: premium sentence \"\(secret)\" is in clear in _site/a/index.html, _site/feed.xml, _site/search.json; "
                + "nothing was published. Reword it where it was copied or in the chapter, or move it into the teaser or the summary, where it is public"
        ])
    }

    @Test("text the author publishes as is (static/, content assets) counts as public")
    func authorFilesArePublic() throws {
        let site = try FixtureSite(copying: Fixtures.valid("valid"))
        defer { site.remove() }
        let statics = site.root.appendingPathComponent("static")
        try FileManager.default.createDirectory(at: statics, withIntermediateDirectories: true)
        try "CANARY premium sentence number one that must never appear anywhere in the output folder.".write(
            to: statics.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        _ = try Pipeline.build(BuildOptions.fixture(source: site.root, output: site.outputFolder()))
    }

    @Test("the build refuses to publish when a layout puts premium text in the output")
    func buildFailsOnLeak() throws {
        let site = try FixtureSite(copying: Fixtures.valid("valid"))
        defer { site.remove() }
        // Layouts never get premium text from the build; a theme that carries some anyway
        // (pasted into a template) must not be published.
        let layouts = site.root.appendingPathComponent("layouts")
        try FileManager.default.createDirectory(at: layouts, withIntermediateDirectories: true)
        try "{{<base}}{{$main}}<p>CANARY premium sentence number one that must never appear anywhere in the output folder.</p>{{/main}}{{/base}}".write(
            to: layouts.appendingPathComponent("404.mustache"), atomically: true, encoding: .utf8)
        let output = site.outputFolder()
        #expect(throws: BuildFailure.self) { try Pipeline.build(BuildOptions.fixture(source: site.root, output: output)) }
        #expect(!FileManager.default.fileExists(atPath: output.path))
        do {
            _ = try Pipeline.build(BuildOptions.fixture(source: site.root, output: output))
        } catch let failure as BuildFailure {
            #expect(failure.step == "verify")
            #expect(failure.diagnostics.map(\.description) == [
                "content/rust/01-basics/02-ownership.md:14: premium sentence \"CANARY premium sentence number one that must never appear anywhere in the output folder.\" "
                    + "is in clear in _site/404.html; nothing was published. Reword it where it was copied or in the chapter, "
                    + "or move it into the teaser or the summary, where it is public"
            ])
        }
    }
}
