import Foundation
import Testing
import TollgateTestSupport

@testable import TollgateSite

@Suite("Languages and slugs")
struct LanguageTests {
    @Test("a zh-CN site: lang attribute, Chinese strings and dates, readable CJK slugs, encoded URLs")
    func chineseSite() throws {
        let built = try BuiltSite(Fixtures.valid("cjk"))
        defer { built.site.remove() }
        #expect(built.exists("并发/任务/index.html"))
        #expect(built.exists("tags/并发/index.html"))
        let chapter = try built.read("并发/任务/index.html")
        #expect(chapter.contains("<html lang=\"zh-CN\">"))
        #expect(chapter.contains("2026年2月3日"))
        #expect(chapter.contains("<h2 id=\"结构化并发\">"))
        let encoded = "/" + "并发".addingPercentEncoding(withAllowedCharacters: .alphanumerics.subtracting(.nonBaseCharacters))! + "/"
        let home = try built.read("index.html")
        #expect(home.contains("href=\"/%E5%B9%B6%E5%8F%91/\""), "course URL is not percent-encoded: \(encoded)")
        let strings = try StringsTable.make(language: "zh-CN", overrides: [:])
        #expect(chapter.contains(strings["home"]))
        #expect(strings["home"] != (try StringsTable.make(language: "en", overrides: [:]))["home"])
    }

    @Test("both built-in strings tables have the same keys")
    func stringsTablesAgree() throws {
        let english = try StringsTable.make(language: "en", overrides: [:]).values
        let chinese = try StringsTable.make(language: "zh-CN", overrides: [:]).values
        #expect(Set(english.keys) == Set(chinese.keys))
        // The code placeholder shows the shape of a code, the same in every language.
        let untranslated = english.keys.filter { $0 != "unlock_placeholder" && english[$0] == chinese[$0] && english[$0]!.contains(where: \.isLetter) }
        #expect(untranslated.isEmpty, "untranslated: \(untranslated.sorted())")
    }

    @Test("a site overrides strings in site.yml")
    func stringOverride() throws {
        let site = try FixtureSite(copying: Fixtures.valid("valid"))
        defer { site.remove() }
        let file = site.root.appendingPathComponent("site.yml")
        try (try String(contentsOf: file, encoding: .utf8) + "strings:\n  buy: \"Get it now:\"\n").write(to: file, atomically: true, encoding: .utf8)
        let output = site.outputFolder()
        _ = try Pipeline.build(BuildOptions.fixture(source: site.root, output: output))
        #expect(try FixtureSite.read("rust/basics/ownership/index.html", in: output).contains("Get it now:"))
    }

    @Test("slugs", arguments: [
        ("01-intro", "intro"), ("Hello, World!", "hello-world"), ("2024", "2024"), ("02-并发 编程", "并发-编程"),
        ("  Über   Café ", "über-café"), ("a__b--c", "a-b-c"),
    ])
    func slugs(_ input: String, _ expected: String) {
        #expect(Slug.make(input, dropOrderPrefix: true) == expected)
    }

    @Test("dates are formatted for the language")
    func dates() throws {
        let date = try #require(ContentDate("2026-03-14"))
        #expect(DateStyle.display(date, language: "en") == "March 14, 2026")
        #expect(DateStyle.display(date, language: "zh-CN") == "2026年3月14日")
        #expect(ContentDate("2026-13-01") == nil)
        #expect(ContentDate("2026-03-14T10:00:00Z")?.iso == "2026-03-14")
    }
}

@Suite("Text fingerprints for the leak check")
struct TextShinglesTests {
    @Test("block tags end sentences, inline tags do not, shown attribute values (meta content) are text")
    func sentences() {
        let html = "<h2>Deep dive</h2><p>One two three four five six seven <em>eight</em> nine.</p><blockquote><p>A b</p></blockquote>"
        let tokens = TextShingles.tokens(of: html)
        #expect(tokens.hashes.count == 13)
        #expect(tokens.sentenceEnds == [1, 10, 12])
        let plain = TextShingles.allFingerprints(of: "<meta content=\"one two three four five six seven eight nine\">")
        #expect(Set(TextShingles.sentenceFingerprints(of: html)).isSubset(of: Set(plain)))
    }

    @Test("each CJK character is a word, and 。 ends a sentence")
    func chinese() {
        let tokens = TextShingles.tokens(of: "任务组成一棵树。下一句")
        #expect(tokens.hashes.count == 10)
        #expect(tokens.sentenceEnds == [6])
    }

    @Test("escaped markup in feeds is skipped like markup in pages")
    func escapedMarkup() {
        let page = TextShingles.allFingerprints(of: "<p>alpha beta <code>gamma</code> delta epsilon zeta eta theta</p>")
        let feed = TextShingles.allFingerprints(of: "&lt;p&gt;alpha beta &lt;code&gt;gamma&lt;/code&gt; delta epsilon zeta eta theta&lt;/p&gt;")
        #expect(page == feed)
        #expect(page.count == 1)
    }
}
