import Foundation
import Testing
import TollgateMarkdown
import TollgateTestSupport

@testable import TollgateSite

/// The leak check reads what a reader sees: no false alarm on URLs and markup, no miss in
/// shown attributes, scripts, JSON or feeds.
@Suite("Leak check precision")
struct LeakCheckPrecisionTests {
    static let secret = "Every actor serialises access to its own state through a private executor queue."

    /// Fingerprints of one premium chapter whose HTML is `html`.
    func fingerprints(_ html: String) -> LeakFingerprints {
        var fingerprints = LeakFingerprints()
        fingerprints.addPremium(html: html, chapter: 0)
        fingerprints.seal()
        return fingerprints
    }

    @Test("a link to a chapter whose URL path has 8+ words is not a premium sentence, in a sitemap, an outline or a JSON index")
    func longURLs() {
        let slug = "apple-swift-nio-documentation/docs-migration-guide-nio1-to-nio2"
        let premium = fingerprints("<p>Read the <a href=\"../\(slug)/\">migration guide</a> first.</p><p>See https://example.com/\(slug)/ for it.</p>")
        #expect(premium.premium.isEmpty, "URL words were fingerprinted")
        // A URL shown as text is one word: the sentence it starts is not the URL's words.
        let scanner = LeakScanner(fingerprints: fingerprints("<p><a href=\"../\(slug)/\">\(slug)</a> is the guide to read before you start migrating.</p>"))
        #expect(scanner.fingerprints.premium.count == 1)
        #expect(scanner.leaks(inPage: "<urlset><url><loc>https://docs.example.com/\(slug)/</loc></url></urlset>").isEmpty)
        #expect(scanner.leaks(inPage: "<li><a href=\"/\(slug)/\">Migration guide</a></li>").isEmpty)
        #expect(scanner.leaks(inScript: "[{\"url\": \"\\/\(slug.replacingOccurrences(of: "/", with: "\\/"))\\/\"}]").isEmpty)
    }

    @Test("premium text in shown attributes (alt, title, aria-label, meta description, Open Graph) is caught; in class, id, href or data-* it is not")
    func attributes() {
        let scanner = LeakScanner(fingerprints: fingerprints("<p>\(Self.secret)</p>"))
        for shown in ["<img alt=\"\(Self.secret)\" src=\"a.png\">", "<a title='\(Self.secret)' href=\"#\">x</a>",
            "<button aria-label=\"\(Self.secret)\">x</button>", "<meta name=\"description\" content=\"\(Self.secret)\">",
            "<meta property=\"og:description\" content=\"\(Self.secret)\">", "<input placeholder=\"\(Self.secret)\">"]
        {
            #expect(scanner.leaks(inPage: shown).count == 1, "missed in \(shown)")
        }
        let words = Self.secret.dropLast()
        for hidden in ["<div class=\"\(words)\"></div>", "<div id=\"\(words)\"></div>", "<a href=\"\(words)\">x</a>",
            "<div data-note=\"\(words)\"></div>", "<img src=\"/\(words)\">"]
        {
            #expect(scanner.leaks(inPage: hidden).isEmpty, "false alarm in \(hidden)")
        }
        // An apostrophe in markup starts no value that could hide the text after it.
        #expect(scanner.leaks(inPage: "<!-- Jane's footer --><p>\(Self.secret)</p><p>Don't.</p>").count == 1)
        // Fingerprints are made the same way: a class name is no premium sentence.
        #expect(fingerprints("<div class=\"\(words)\"><p>Short.</p></div>").premium.isEmpty)
        #expect(fingerprints("<img alt=\"\(Self.secret)\">").premium.count == 1)
    }

    @Test("premium text in a script body, a JS file or JSON is caught however it is escaped; script text is never fingerprinted")
    func scripts() {
        let scanner = LeakScanner(fingerprints: fingerprints("<p>\(Self.secret)</p>"))
        let escaped = Self.secret.replacingOccurrences(of: " ", with: "\\u0020")
        #expect(scanner.leaks(inPage: "<p>x</p><script>var a = 1 < 2; var s = \"\(escaped)\";</script>").count == 1)
        #expect(scanner.leaks(inPage: "<style>.x::after { content: \"\(Self.secret)\" }</style>").count == 1)
        #expect(scanner.leaks(in: "const s = '\(Self.secret.replacingOccurrences(of: " its ", with: "\\n its "))';", pathExtension: "js").count == 1)
        let json = "{\"html\":\"\\u003cp class=\\\"x\\\"\\u003e\(Self.secret.replacingOccurrences(of: "own", with: "\\u003cem\\u003eown\\u003c\\/em\\u003e"))\\u003c\\/p\\u003e\"}"
        #expect(scanner.leaks(in: json, pathExtension: "json").count == 1)
        #expect(scanner.leaks(in: "if (a<b && c>d) { t = \"\(Self.secret)\" }", pathExtension: "js").count == 1)
        #expect(fingerprints("<script>var s = \"\(Self.secret)\";</script><p>Short.</p>").premium.isEmpty)
        // Text extracted without a space between blocks (a naive search index) keeps its sentences.
        #expect(scanner.leaks(in: "[{\"text\": \"Intro of the chapter.\(Self.secret)\"}]", pathExtension: "json").count == 1)
    }

    @Test("a feed's escaped HTML, doubly escaped entities and escaped attributes are read like a page")
    func feed() {
        let scanner = LeakScanner(fingerprints: fingerprints("<p>Tom &amp; Jerry share access to its own state through a private executor queue.</p>"))
        #expect(scanner.leaks(inPage: "<content type=\"html\">&lt;p&gt;Tom &amp;amp; Jerry share access to its own state through a private queue.&lt;/p&gt;</content>").isEmpty == false)
        let alt = LeakScanner(fingerprints: fingerprints("<p>\(Self.secret)</p>"))
        #expect(alt.leaks(inPage: "<content>&lt;img src=&quot;a-b-c&quot; alt=&quot;\(Self.secret)&quot;&gt;</content>").count == 1)
        #expect(alt.leaks(inPage: "<content>&lt;a href=&quot;\(Self.secret.dropLast())&quot;&gt;x&lt;/a&gt;</content>").isEmpty)
    }

    @Test("one finding per premium sentence, at its source line, naming a few files and how many more")
    func oneFindingPerSentence() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-leak-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("content/c"), withIntermediateDirectories: true)
        // A link inside the sentence's first words: its destination is not in the page.
        let linked = Self.secret.replacingOccurrences(of: "own state", with: "own [state](../b/the-state-of-an-actor-and-who-may-touch-it.md)")
        let markdown = "---\ntitle: X\n---\n\nTeaser.\n\n<!-- more -->\n\nFirst sentence.\n\(linked) More.\n"
        try markdown.write(to: folder.appendingPathComponent("content/c/01-x.md"), atomically: true, encoding: .utf8)
        let fingerprints = fingerprints("<p>First sentence.\n\(Self.secret.replacingOccurrences(of: "own state", with: "own <a href=\"../../b/the-state-of-an-actor-and-who-may-touch-it/\">state</a>")) More.</p>")
        var report = LeakReport(folder: folder, label: "_site")
        for page in 1...6 { report.add(LeakScanner(fingerprints: fingerprints).leaks(inPage: "<p>\(Self.secret)</p>"), path: "p\(page).html") }
        let leaks = report.diagnostics(fingerprints: fingerprints, chapterSources: ["content/c/01-x.md"], source: folder, building: false)
        #expect(leaks.map(\.description) == [
            "content/c/01-x.md:10: premium sentence \"Every actor serialises access to its own [state](../b/the-state-of-an-actor-and-who-may-touch-it.md) through a private…\" is in clear in _site/p1.html, _site/p2.html, _site/p3.html and 3 more. "
                + "Reword it where it was copied or in the chapter, or move it into the teaser or the summary, where it is public"
        ])
    }

    @Test("a premium heading of 8+ words: public with public_headings (listed, no finding), withheld without; shown by a layout it is named")
    func longPremiumHeading() throws {
        let site = try FixtureSite(copying: Fixtures.valid("valid"))
        defer { site.remove() }
        let chapter = site.root.appendingPathComponent("content/rust/01-basics/02-ownership.md")
        let heading = "What happens to a value when its owner goes out of scope"
        try (String(contentsOf: chapter, encoding: .utf8) + "\n## \(heading)\n\nIt is dropped.\n").write(to: chapter, atomically: true, encoding: .utf8)
        let line = try String(contentsOf: chapter, encoding: .utf8).components(separatedBy: "\n").firstIndex(of: "## \(heading)")! + 1
        _ = try Pipeline.build(.fixture(source: site.root, output: site.outputFolder("_hidden")))
        #expect(!(try FixtureSite.read("rust/basics/ownership/index.html", in: site.outputFolder("_hidden"))).contains(heading))

        let siteFile = site.root.appendingPathComponent("site.yml")
        let config = try String(contentsOf: siteFile, encoding: .utf8)
        try (config + "premium:\n  public_headings: true\n").write(to: siteFile, atomically: true, encoding: .utf8)
        let output = site.outputFolder("_public")
        _ = try Pipeline.build(.fixture(source: site.root, output: output))
        #expect(try FixtureSite.read("rust/basics/ownership/index.html", in: output).contains(">\(heading)</a>"))

        try config.write(to: siteFile, atomically: true, encoding: .utf8)
        let layouts = site.root.appendingPathComponent("layouts")
        try FileManager.default.createDirectory(at: layouts, withIntermediateDirectories: true)
        try "{{<base}}{{$main}}<ul><li>\(heading)</li></ul>{{/main}}{{/base}}".write(
            to: layouts.appendingPathComponent("404.mustache"), atomically: true, encoding: .utf8)
        do {
            _ = try Pipeline.build(.fixture(source: site.root, output: site.outputFolder("_leaky")))
            Issue.record("a premium heading shown by a layout was published")
        } catch let failure as BuildFailure {
            #expect(failure.diagnostics.map(\.description) == [
                "content/rust/01-basics/02-ownership.md:\(line): premium heading \"\(heading)\" is in clear in _leaky/404.html; nothing was published. "
                    + "Reword it where it was copied or in the chapter, or make premium headings public with 'premium: public_headings: true' in site.yml"
            ])
        }
    }
}
