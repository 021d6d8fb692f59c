import Foundation
import Testing
import TollgateTestSupport

@testable import TollgateSite

/// Highlighting inside the build: every code block of the example site (free chapters,
/// teasers, premium parts, course pages), the cache, `highlight:` of site.yml, warnings.
@Suite("Highlighting in the build")
struct HighlightBuildTests {
    /// Runs the build up to rendering Markdown: what every page and premium part holds.
    static func rendered(_ site: URL) throws -> [String] {
        var context = BuildContext(options: BuildOptions.fixture(source: site, output: site.appendingPathComponent("_unused")))
        for step in [BuildStep.loadConfiguration, .loadContent, .splitPremium, .renderMarkdown] { _ = try step.perform(&context) }
        return context.rendered.flatMap { [$0.publicHTML, $0.premiumHTML ?? ""] } + context.courseBodies
    }

    static func cacheEntries(_ site: URL) -> [URL] {
        let folder = CodeBlockRenderer.cacheFolder(of: site)
        return (FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? [])
            .filter { $0.pathExtension == "html" }.sorted { $0.path < $1.path }
    }

    /// Every file of a built folder with its bytes.
    static func files(_ folder: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for path in FixtureSite.files(in: folder) { result[path] = try Data(contentsOf: folder.appendingPathComponent(path)) }
        return result
    }

    @Test("cold, warm, damaged and no cache: the same HTML for every chapter, premium part and page")
    func byteIdentical() throws {
        let site = try FixtureSite.exampleSite()
        defer { site.remove() }
        let cold = try Self.rendered(site.root)
        let entries = Self.cacheEntries(site.root)
        #expect(entries.count > 40, "the example site's code blocks are cached")
        #expect(cold.joined().contains("<span class=\"hl-kw\">"))
        #expect(cold.joined().contains("<figcaption class=\"code-title\">Catalog+Products.swift</figcaption>"))
        let warm = try Self.rendered(site.root)
        #expect(warm == cold)
        #expect(Self.cacheEntries(site.root) == entries)
        // Damage every entry: cut, emptied, a changed byte in the HTML, a changed hash.
        for (index, entry) in entries.enumerated() {
            let data = try Data(contentsOf: entry)
            let damaged: Data
            switch index % 4 {
            case 0: damaged = data.prefix(data.count / 2)
            case 1: damaged = Data()
            case 2: damaged = Data(String(decoding: data, as: UTF8.self).replacingOccurrences(of: "hl-", with: "xx-").utf8)
            default: damaged = Data(String(decoding: data, as: UTF8.self).replacingOccurrences(of: "tollgate-highlight-cache 1 ", with: "tollgate-highlight-cache 1 0").utf8)
            }
            try damaged.write(to: entry)
        }
        #expect(try Self.rendered(site.root) == cold)
        #expect(try Self.rendered(site.root) == cold)
        try FileManager.default.removeItem(at: CodeBlockRenderer.cacheFolder(of: site.root))
        #expect(try Self.rendered(site.root) == cold)
    }

    @Test("a locked chapter cut with one parse (no definitions) has its code highlighted in the teaser and the premium part")
    func onePassCut() throws {
        let site = try FixtureSite.exampleSite()
        defer { site.remove() }
        let chapter = site.root.appendingPathComponent("content/swift-concurrency/01-foundations/09-one-pass.md")
        try """
            ---
            title: One pass
            tier: pro
            weight: 90
            ---

            The teaser shows a loop:

            ```swift
            for index in 0..<3 { print(index) }
            ```

            <!--more-->

            The premium part shows a function:

            ```swift
            func premiumOnly() -> Int { return 42 }
            ```
            """.write(to: chapter, atomically: true, encoding: .utf8)
        var context = BuildContext(options: BuildOptions.fixture(source: site.root, output: site.root.appendingPathComponent("_unused")))
        for step in [BuildStep.loadConfiguration, .loadContent, .splitPremium] { _ = try step.perform(&context) }
        let index = try #require(context.content.chapters.firstIndex { $0.source.hasSuffix("09-one-pass.md") })
        #expect(context.sources[index].bodyCut != nil, "the chapter is cut by lines, with one parse")
        _ = try BuildStep.renderMarkdown.perform(&context)
        let rendered = context.rendered[index]
        #expect(rendered.publicHTML.contains("<span class=\"hl-cf\">for</span>") || rendered.publicHTML.contains("<span class=\"hl-kw\">for</span>"))
        let premium = try #require(rendered.premiumHTML)
        #expect(premium.contains("<span class=\"hl-kw\">func</span>"), "\(premium)")
        #expect(!rendered.publicHTML.contains("premiumOnly"))
    }

    @Test("two builds, one with a cold cache and one with a warm cache, write identical sites, sealed pages included")
    func identicalSites() throws {
        let site = try FixtureSite.exampleSite()
        defer { site.remove() }
        var options = BuildOptions.fixture(source: site.root, output: site.outputFolder("cold"))
        _ = try Pipeline.build(options)
        options.output = site.outputFolder("warm")
        _ = try Pipeline.build(options)
        let cold = try Self.files(site.outputFolder("cold"))
        #expect(cold.count > 40)
        #expect(try Self.files(site.outputFolder("warm")) == cold)
    }

    @Test("highlight: false renders code as cmark-gfm does and writes no cache")
    func off() throws {
        let site = try FixtureSite.exampleSite()
        defer { site.remove() }
        let yaml = site.root.appendingPathComponent("site.yml")
        try (try String(contentsOf: yaml, encoding: .utf8) + "highlight: false\n").write(to: yaml, atomically: true, encoding: .utf8)
        let html = try Self.rendered(site.root).joined()
        #expect(!html.contains("hl-kw"))
        #expect(!html.contains("<figure class=\"code\">"))
        #expect(html.contains("<pre><code class=\"language-swift\">"))
        #expect(Self.cacheEntries(site.root).isEmpty)
    }

    @Test("an unknown language is plain text with one warning naming every file; a bad fence fails the build at its line")
    func warningsAndErrors() throws {
        let site = try FixtureSite.exampleSite()
        defer { site.remove() }
        let chapters = ["content/swift-fundamentals/01-why-swift-on-the-server.md", "content/swift-fundamentals/03-errors-that-carry-meaning.md"]
        for chapter in chapters {
            let file = site.root.appendingPathComponent(chapter)
            try (try String(contentsOf: file, encoding: .utf8) + "\n```klingon\nqapla' <b>\n```\n\n```klingon\nagain\n```\n").write(to: file, atomically: true, encoding: .utf8)
        }
        var options = BuildOptions.fixture(source: site.root, output: site.outputFolder())
        options.premium = .withhold
        let report = try Pipeline.build(options)
        let warnings = report.notices.filter { $0.contains("klingon") }
        #expect(warnings == ["unknown code language 'klingon', shown as plain text, in \(chapters.joined(separator: ", ")) (docs/authoring.md lists the languages)"])
        let page = try FixtureSite.read("swift-fundamentals/why-swift-on-the-server/index.html", in: site.outputFolder())
        #expect(page.contains("<pre class=\"code-block\" data-lang=\"klingon\"><code class=\"language-klingon\"><span class=\"line\">qapla&#39; &lt;b&gt;</span></code></pre>"))

        let file = site.root.appendingPathComponent(chapters[0])
        let text = try String(contentsOf: file, encoding: .utf8)
        try (text + "\n```swift {9}\nlet a = 1\n```\n").write(to: file, atomically: true, encoding: .utf8)
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).count + 1
        do {
            _ = try Pipeline.build(options)
            Issue.record("a fence highlighting a missing line built")
        } catch let failure as BuildFailure {
            #expect(failure.diagnostics.map(\.description) == [
                "\(chapters[0]):\(line): code fence 'swift {9}' highlights line 9, but the block has 1 line; fix the numbers in {…}"
            ])
        }
    }
}
