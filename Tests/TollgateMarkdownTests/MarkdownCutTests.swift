import Testing
import TollgateMarkdown

/// One parse cut in two gives what two parses of the parts give (see ``MarkdownCut``).
@Suite("Markdown cut with one parse")
struct MarkdownCutTests {
    let renderer = MarkdownRenderer(options: [.smartPunctuation])

    /// The parts as the teaser cut writes them: the teaser's lines before `teaserEnd` (the
    /// dropped block's lines blank), the premium part's lines from `premiumStart` on.
    func separately(_ text: String, cut: MarkdownCut, dropped: ClosedRange<Int>? = nil, firstLine: Int = 1) -> (RenderedMarkdown, RenderedMarkdown) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for line in dropped.map(Array.init) ?? [] where line <= lines.count { lines[line - 1] = "" }
        let teaser = lines.prefix(cut.teaserEnd - 1).joined(separator: "\n")
        let premium = lines.dropFirst(cut.premiumStart - 1).joined(separator: "\n")
        let resolve: (LinkReference) -> LinkResolution = { $0.destination.hasPrefix("bad") ? .problem("broken \($0.destination)") : .keep }
        let first = renderer.render(markdown: teaser, firstLine: firstLine, resolveLink: resolve)
        let second = renderer.render(
            markdown: premium, firstLine: firstLine + cut.premiumStart - 1, reservedIDs: Set(first.headings.map(\.id)), resolveLink: resolve)
        return (first, second)
    }

    func once(_ text: String, cut: MarkdownCut, firstLine: Int = 1) -> (RenderedMarkdown, RenderedMarkdown)? {
        renderer.render(markdown: text, firstLine: firstLine, cut: cut) { $0.destination.hasPrefix("bad") ? .problem("broken \($0.destination)") : .keep }
    }

    static let chapter = """
        # Ownership

        Every value has an *owner*, see [the guide](bad-guide.md) and www.example.com.

        ## Moves

        <!-- more -->

        ## Moves

        A ~~copy~~ move: [next](bad-next.md "title").

        | a | b |
        |---|---|
        | 1 | 2 |

        - [x] done
        - [ ] todo
        """

    @Test("a marker cut, a repeated title left out: the same HTML, ids and problem lines as two parses")
    func markerCut() throws {
        let cut = MarkdownCut(teaserEnd: 7, premiumStart: 8, droppedLine: 1)
        let (teaser, premium) = try #require(once(Self.chapter, cut: cut, firstLine: 5))
        let (expectedTeaser, expectedPremium) = separately(Self.chapter, cut: cut, dropped: 1...1, firstLine: 5)
        #expect(teaser == expectedTeaser)
        #expect(premium == expectedPremium)
        #expect(!teaser.html.contains("Ownership"))
        #expect(premium.headings.map(\.id) == ["moves-1"])
        #expect(premium.problems.map(\.line) == [15])
        #expect(teaser.problems.map(\.line) == [7])
    }

    @Test("an implicit cut and a chapter without teaser (everything premium, title included)")
    func otherCuts() throws {
        for cut in [MarkdownCut(teaserEnd: 5, premiumStart: 5, droppedLine: 1), MarkdownCut(teaserEnd: 1, premiumStart: 1, droppedLine: 1)] {
            let (teaser, premium) = try #require(once(Self.chapter, cut: cut))
            let (expectedTeaser, expectedPremium) = separately(Self.chapter, cut: cut, dropped: cut.teaserEnd > 1 ? 1...1 : nil)
            #expect(teaser == expectedTeaser)
            #expect(premium == expectedPremium)
        }
    }

    @Test("a paragraph that a table interrupted has no line: no cut by lines")
    func paragraphWithoutLine() {
        #expect(once("Intro\nline\n| a |\n|---|\n| b |\n\nRest\n", cut: MarkdownCut(teaserEnd: 7, premiumStart: 7)) == nil)
    }

    /// cmark-gfm reports the Setext heading on lines 3–5 and the list from line 5: cut after
    /// line 4, a premium part on its own would be a list of two items, the one parse's a list
    /// of three that starts before the cut (found by the Markdown fuzz target).
    @Test("a block reported to run past the cut: no cut by lines")
    func blockPastTheCut() {
        let text = "Teaser.\n\nTitle\n  - \n  - \n  - den\n\nAnother.\n"
        #expect(once(text, cut: MarkdownCut(teaserEnd: 3, premiumStart: 5)) == nil)
        #expect(once(text, cut: MarkdownCut(teaserEnd: 4, premiumStart: 4)) == nil)
        #expect(once(text, cut: MarkdownCut(teaserEnd: 3, premiumStart: 3)) != nil)
        // An HTML block closed by its own end is reported to end a line early.
        #expect(once("<!-- a\nb -->\nPremium\n", cut: MarkdownCut(teaserEnd: 1, premiumStart: 2)) == nil)
    }

    /// cmark-gfm reports a Setext heading as ending on the line after its underline: the
    /// paragraph right under a dropped Setext title stays in the teaser.
    @Test("a dropped Setext title ends at its underline: the same parts as two parses")
    func setextTitle() throws {
        let text = "Title\n=====\nParagraph right under.\n\nMore\n"
        let cut = MarkdownCut(teaserEnd: 5, premiumStart: 5, droppedLine: 1)
        let (teaser, premium) = try #require(once(text, cut: cut))
        let (expectedTeaser, expectedPremium) = separately(text, cut: cut, dropped: 1...2)
        #expect(teaser == expectedTeaser)
        #expect(premium == expectedPremium)
        #expect(teaser.html == "<p>Paragraph right under.</p>\n")
    }
}
