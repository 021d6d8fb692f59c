import Foundation
import Testing
import TollgateTestSupport

@testable import TollgateSite

/// Where a premium chapter's public teaser ends (Fixtures/teasers, one chapter per rule),
/// and what crosses the cut: footnotes and link reference definitions.
@Suite("The teaser cut")
struct TeaserTests {
    /// The fixture's pages, built once.
    static let built: Result<BuiltSite, any Error> = Result { try BuiltSite(Fixtures.valid("teasers")) }

    /// The fixture's chapters split and rendered, premium parts included (steps 1 to 4).
    static let rendered: Result<[String: (teaser: String, premium: String?)], any Error> = Result {
        let site = try FixtureSite(copying: Fixtures.valid("teasers"))
        defer { site.remove() }
        var context = BuildContext(options: .fixture(source: site.root))
        for step in [BuildStep.loadConfiguration, .loadContent, .splitPremium, .renderMarkdown] { _ = try step.perform(&context) }
        var parts: [String: (teaser: String, premium: String?)] = [:]
        for (chapter, rendered) in zip(context.content.chapters, context.rendered) { parts[chapter.slug] = (rendered.publicHTML, rendered.premiumHTML) }
        return parts
    }

    /// The public part of the page of chapter `slug` (the chapter's `.chapter-content`).
    static func page(_ slug: String) throws -> String {
        try built.get().read("t/\(slug)/index.html")
    }

    /// The rendered teaser and premium part of chapter `slug`.
    static func parts(_ slug: String) throws -> (teaser: String, premium: String) {
        let parts = try #require(try rendered.get()[slug])
        return (parts.teaser, try #require(parts.premium))
    }

    @Test("no public page carries text written for members")
    func nothingPremiumInClear() throws {
        let built = try Self.built.get()
        for file in built.files {
            let text = String(decoding: FileManager.default.contents(atPath: built.output.appendingPathComponent(file).path) ?? Data(), as: UTF8.self)
            #expect(!text.contains("PAYWALLED"), "premium text in \(file)")
        }
    }

    @Test("without a marker, a list before the first paragraph is not a teaser: the chapter shows none")
    func listBeforeFirstParagraph() throws {
        let (teaser, premium) = try Self.parts("list-first")
        #expect(teaser.isEmpty)
        #expect(premium.contains("PAYWALLED-LIST first item") && premium.contains("PAYWALLED-PARA"))
        let notice = try #require(try Self.built.get().report.notices.first { $0.hasPrefix("content/t/01-list-first.md:") })
        #expect(notice.contains("<!-- more -->"))
    }

    @Test("Hugo's <!--more--> and a marker with other spacing and capitals end the teaser", arguments: ["hugo-marker", "loose-marker"])
    func markerForms(_ slug: String) throws {
        let (teaser, premium) = try Self.parts(slug)
        #expect(teaser.contains("Public first paragraph") || teaser.contains("Public paragraph one"))
        #expect(teaser.contains("Public second paragraph") || teaser.contains("Public paragraph two"))
        #expect(!teaser.contains("PAYWALLED") && !teaser.lowercased().contains("more"))
        #expect(premium.contains("PAYWALLED-") && !premium.contains("<!--"))
        #expect(try Self.page(slug).contains("Public"))
    }

    @Test("a first heading that repeats the chapter's title is not shown as a second title")
    func repeatedTitle() throws {
        let (teaser, _) = try Self.parts("title-repeat")
        #expect(!teaser.contains("<h1"))
        #expect(teaser.contains("Public first paragraph"))
        let page = try Self.page("title-repeat")
        #expect(page.components(separatedBy: "Title repeat — a chapter").count == 1)
    }

    @Test("a Setext heading that repeats the title ends at its underline: the paragraph right under it is the teaser")
    func repeatedSetextTitle() throws {
        let (teaser, premium) = try Self.parts("setext-title")
        #expect(!teaser.contains("<h1"))
        #expect(teaser.contains("<p>Public paragraph right under the underline"))
        #expect(!teaser.contains("PAYWALLED"))
        #expect(premium.hasPrefix("<p>PAYWALLED-SETEXT the second paragraph"))
        #expect(!premium.contains("Public paragraph"))
        #expect(try Self.page("setext-title").contains("Public paragraph right under the underline"))
    }

    @Test("without a marker, a first paragraph longer than a third of the chapter is not published")
    func implicitTeaserIsCapped() throws {
        let (teaser, premium) = try Self.parts("long-first")
        #expect(teaser.isEmpty)
        #expect(premium.contains("PAYWALLED-LONG") && premium.contains("A short premium ending."))
        #expect(try Self.built.get().report.notices.contains { $0.hasPrefix("content/t/05-long-first.md:") && $0.contains("a third") })
    }

    @Test("without a marker, the teaser is the first paragraph with the headings right before it")
    func implicitTeaser() throws {
        let (teaser, premium) = try Self.parts("heading-first")
        #expect(teaser.contains("<h2 id=\"overview\">") && teaser.contains("Public paragraph under"))
        #expect(!teaser.contains("PAYWALLED"))
        #expect(premium.hasPrefix("<p>PAYWALLED-HEADING the second paragraph"))
        #expect(premium.contains("<h2 id=\"details\">"))
    }

    @Test("long chapters are cut as short ones, though only their first blocks are parsed for it")
    func longChapters() throws {
        let heading = try Self.parts("long-heading-first")
        #expect(heading.teaser.contains("<h2 id=\"start\">") && heading.teaser.contains("Public teaser paragraph of a long chapter"))
        #expect(!heading.teaser.contains("PAYWALLED") && heading.premium.hasPrefix("<p>PAYWALLED filler paragraph 0 "))
        let list = try Self.parts("long-list-first")
        #expect(list.teaser.isEmpty && list.premium.hasPrefix("<ul>"))
        let paragraph = try Self.parts("long-first-paragraph")
        #expect(paragraph.teaser.contains("Public sentence 0 ") && paragraph.teaser.contains("Public sentence 39 "))
        #expect(!paragraph.teaser.contains("PAYWALLED") && paragraph.premium.hasPrefix("<p>PAYWALLED filler paragraph 0 "))
    }

    @Test("footnotes and link references cross the cut: each part shows what it cites, and no more")
    func definitionsCrossTheCut() throws {
        let (teaser, premium) = try Self.parts("notes")
        // The teaser cites a note defined in the premium part and a link defined there.
        #expect(!teaser.contains("[^early]") && !teaser.contains("[the guide]"))
        #expect(teaser.contains("EARLY-NOTE defined in the premium part"))
        #expect(teaser.contains("href=\"https://example.org/guide\""))
        // It does not show a note it does not cite, nor the note of its own it leaves to the premium part.
        #expect(!teaser.contains("PAYWALLED") && !teaser.contains("TEASER-NOTE"))
        // The premium part cites a note of the teaser, its own note, and both links.
        #expect(!premium.contains("[^teaser-note]") && !premium.contains("[^late]") && !premium.contains("[the reference]"))
        #expect(premium.contains("TEASER-NOTE written in the teaser"))
        #expect(premium.contains("PAYWALLED-LATE note"))
        #expect(premium.contains("href=\"https://example.org/guide\""))
        #expect(premium.contains("href=\"https://example.org/written-after-the-marker-but-only-used-below\""))
        #expect(!premium.contains("EARLY-NOTE"))
        // And the page shows the teaser's note in clear, and not the premium part's.
        let page = try Self.page("notes")
        #expect(page.contains("EARLY-NOTE") && !page.contains("PAYWALLED"))
    }
}
