import Foundation
import Testing
import TollgateTestSupport

@testable import TollgateSite

@Suite("Building a fixture site")
struct BuildTests {
    @Test("pages get pretty URLs under the base path, parts nest, drafts are skipped")
    func prettyURLs() throws {
        let built = try BuiltSite(Fixtures.valid("valid"))
        defer { built.site.remove() }
        for path in [
            "index.html", "rust/index.html", "rust/basics/hello/index.html", "rust/basics/ownership/index.html",
            "rust/preview/index.html", "go/index.html", "go/intro/index.html", "tags/index.html",
            "tags/systems/index.html", "404.html", "sitemap.xml", "feed.xml", "robots.txt", "rust/images/d.svg",
            "assets/tollgate.css",
        ] {
            #expect(built.exists(path), "\(path) is missing")
        }
        #expect(!built.exists("rust/draft/index.html"))
        #expect(built.report.chapters == 4)
        let home = try built.read("index.html")
        #expect(home.contains("href=\"/academy/rust/\""))
        #expect(home.contains("<html lang=\"en\">"))
    }

    @Test("drafts are built with --drafts")
    func drafts() throws {
        let built = try BuiltSite(Fixtures.valid("valid"), drafts: true)
        defer { built.site.remove() }
        #expect(built.exists("rust/draft/index.html"))
    }

    @Test("links to .md files become page URLs, images point at copied assets")
    func links() throws {
        let built = try BuiltSite(Fixtures.valid("valid"))
        defer { built.site.remove() }
        let hello = try built.read("rust/basics/hello/index.html")
        #expect(hello.contains("<a href=\"/academy/rust/basics/ownership/#moves\">ownership</a>"))
        #expect(hello.contains("<img src=\"/academy/rust/images/d.svg\" alt=\"diagram\" />"))
        let course = try built.read("rust/index.html")
        #expect(course.contains("<a href=\"/academy/rust/basics/hello/\">the first chapter</a>"))
    }

    @Test("the outline marks the current chapter; previous and next follow the course order")
    func outlineAndNavigation() throws {
        let built = try BuiltSite(Fixtures.valid("valid"))
        defer { built.site.remove() }
        let ownership = try built.read("rust/basics/ownership/index.html")
        #expect(ownership.contains("href=\"/academy/rust/basics/ownership/\" aria-current=\"page\""))
        #expect(!ownership.contains("href=\"/academy/rust/basics/hello/\" aria-current"))
        #expect(ownership.contains("href=\"/academy/rust/basics/hello/\""))
        #expect(ownership.contains("href=\"/academy/rust/preview/\""))
    }

    @Test("tiers: inherited from course, free preview published whole, buy links for every tier that includes it")
    func tiers() throws {
        let built = try BuiltSite(Fixtures.valid("valid"))
        defer { built.site.remove() }
        let preview = try built.read("rust/preview/index.html")
        #expect(preview.contains("A member chapter published whole as a free preview"))
        #expect(!preview.contains("id=\"tollgate-unlock\""))
        // The buy buttons; the unlock script's configuration after the article names every tier.
        let locked = try built.read("rust/basics/ownership/index.html").components(separatedBy: "</article>")[0]
        #expect(locked.contains("id=\"tollgate-unlock\""))
        #expect(locked.contains("https://buy.example.org/member"))
        #expect(locked.contains("https://buy.example.org/pro"))
        #expect(!locked.contains("https://buy.example.org/solo"))
        let solo = try built.read("go/intro/index.html")
        #expect(solo.contains("https://buy.example.org/solo"))
        #expect(solo.contains("https://buy.example.org/pro"))
    }

    @Test("sitemap, feed and robots.txt use absolute URLs with the base path")
    func feeds() throws {
        let built = try BuiltSite(Fixtures.valid("valid"))
        defer { built.site.remove() }
        let sitemap = try built.read("sitemap.xml")
        #expect(sitemap.contains("<loc>https://fixtures.example.org/academy/rust/basics/hello/</loc><lastmod>2026-01-02</lastmod>"))
        #expect(!sitemap.contains("draft"))
        let feed = try built.read("feed.xml")
        #expect(feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\">"))
        #expect(feed.contains("<updated>2026-01-05T00:00:00Z</updated>"))
        #expect(feed.contains("<id>https://fixtures.example.org/academy/rust/basics/ownership/</id>"))
        #expect(feed.contains("The public teaser sentence about ownership"))
        let robots = try built.read("robots.txt")
        #expect(robots.contains("Sitemap: https://fixtures.example.org/academy/sitemap.xml"))
    }

    @Test("related courses are chosen by shared tags; tag pages list courses and chapters")
    func relatedAndTags() throws {
        let built = try BuiltSite(Fixtures.valid("valid"))
        defer { built.site.remove() }
        let rust = try built.read("rust/index.html")
        #expect(rust.contains("href=\"/academy/go/\""))
        let systems = try built.read("tags/systems/index.html")
        #expect(systems.contains("href=\"/academy/rust/\""))
        #expect(systems.contains("href=\"/academy/go/\""))
        let intro = try built.read("tags/intro/index.html")
        #expect(intro.contains("href=\"/academy/rust/basics/hello/\""))
    }

    @Test("building twice without changes gives byte-identical output")
    func reproducible() throws {
        let site = try FixtureSite.exampleSite()
        defer { site.remove() }
        let first = site.outputFolder("one"), second = site.outputFolder("two")
        _ = try Pipeline.build(BuildOptions.fixture(source: site.root, output: first))
        _ = try Pipeline.build(BuildOptions.fixture(source: site.root, output: second))
        let files = FixtureSite.files(in: first)
        #expect(files == FixtureSite.files(in: second))
        #expect(files.count > 40)
        for file in files {
            let a = FileManager.default.contents(atPath: first.appendingPathComponent(file).path)
            let b = FileManager.default.contents(atPath: second.appendingPathComponent(file).path)
            #expect(a == b, "\(file) differs between two builds")
        }
    }

    @Test("a failed build leaves the previous site untouched and no temporary folder behind")
    func failedBuildKeepsOldSite() throws {
        let site = try FixtureSite(copying: Fixtures.valid("valid"))
        defer { site.remove() }
        let output = site.outputFolder()
        _ = try Pipeline.build(BuildOptions.fixture(source: site.root, output: output))
        let before = FixtureSite.files(in: output)
        let chapter = site.root.appendingPathComponent("content/rust/02-preview.md")
        try "---\ntitle: Broken\n---\n\n[x](nowhere.md)\n".write(to: chapter, atomically: true, encoding: .utf8)
        #expect(throws: BuildFailure.self) { try Pipeline.build(BuildOptions.fixture(source: site.root, output: output)) }
        #expect(FixtureSite.files(in: output) == before)
        #expect(try FixtureSite.read("rust/preview/index.html", in: output).contains("free preview"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: site.root.path).filter { $0.hasPrefix("._site") }
        #expect(leftovers.isEmpty)
    }

    @Test("progress names every step in order with a count")
    func progress() throws {
        let site = try FixtureSite(copying: Fixtures.valid("valid"))
        defer { site.remove() }
        var lines: [String] = []
        _ = try Pipeline.build(BuildOptions.fixture(source: site.root, output: site.outputFolder())) { lines.append($0) }
        #expect(lines.count == 9)
        #expect(lines[0].hasPrefix("[1/9] load configuration"))
        #expect(lines[3].hasPrefix("[4/9] render Markdown (4 chapters)"))
        #expect(lines[4].hasPrefix("[5/9] seal premium assets"))
        #expect(lines[8].hasPrefix("[9/9] verify"))
    }

    @Test("--base-url overrides site.yml's base_url")
    func baseURLOverride() throws {
        let site = try FixtureSite(copying: Fixtures.valid("valid"))
        defer { site.remove() }
        let output = site.outputFolder()
        _ = try Pipeline.build(BuildOptions.fixture(source: site.root, output: output, baseURL: "http://127.0.0.1:8000/"))
        let home = try FixtureSite.read("index.html", in: output)
        #expect(home.contains("href=\"/rust/\""))
        #expect(try FixtureSite.read("robots.txt", in: output).contains("http://127.0.0.1:8000/sitemap.xml"))
    }
}
