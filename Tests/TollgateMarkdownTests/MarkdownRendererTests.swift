import Testing
import TollgateMarkdown

@Suite("Markdown rendering")
struct MarkdownRendererTests {
    let renderer = MarkdownRenderer()

    @Test("GFM tables, strikethrough, autolinks and task lists")
    func gfmExtensions() {
        let html = renderer.render(markdown: """
            | a | b |
            |---|---|
            | 1 | 2 |

            ~~gone~~ and www.example.com

            - [x] done
            - [ ] todo
            """).html
        #expect(html.contains("<table>"))
        #expect(html.contains("<td>1</td>"))
        #expect(html.contains("<del>gone</del>"))
        #expect(html.contains("<a href=\"http://www.example.com\">www.example.com</a>"))
        #expect(html.contains("<input type=\"checkbox\" checked=\"\" disabled=\"\" /> done"))
        #expect(html.contains("<input type=\"checkbox\" disabled=\"\" /> todo"))
    }

    @Test("footnotes")
    func footnotes() {
        let html = renderer.render(markdown: "Claim.[^1]\n\n[^1]: Source.\n").html
        #expect(html.contains("class=\"footnote-ref\""))
        #expect(html.contains("<section class=\"footnotes\""))
    }

    @Test("smart punctuation is on by default and can be turned off")
    func smartPunctuation() {
        #expect(renderer.render(markdown: "\"quoted\" -- and...").html.contains("“quoted” – and…"))
        let plain = MarkdownRenderer(options: []).render(markdown: "\"quoted\"").html
        #expect(plain.contains("&quot;quoted&quot;"))
    }

    @Test("raw HTML is dropped unless allowed, and the tagfilter still applies when allowed")
    func rawHTML() {
        let source = "<div class=\"x\">hi</div>\n\n<script>alert(1)</script>\n"
        let safe = renderer.render(markdown: source).html
        #expect(!safe.contains("<div"))
        #expect(!safe.contains("<script"))
        let unsafe = MarkdownRenderer(options: [.rawHTML]).render(markdown: source).html
        #expect(unsafe.contains("<div class=\"x\">hi</div>"))
        #expect(unsafe.contains("&lt;script>"))
    }

    @Test("code blocks keep their language")
    func codeLanguage() {
        let html = renderer.render(markdown: "```swift\nlet x = 1 < 2\n```\n").html
        #expect(html.contains("<pre><code class=\"language-swift\">let x = 1 &lt; 2\n</code></pre>"))
    }

    @Test("headings get unique GitHub-style ids and anchor links")
    func headingIDs() {
        let rendered = renderer.render(markdown: "## Hello, World!\n\n## Hello, World!\n\n### 结构化 并发\n")
        #expect(rendered.headings.map(\.id) == ["hello-world", "hello-world-1", "结构化-并发"])
        #expect(rendered.headings.map(\.text) == ["Hello, World!", "Hello, World!", "结构化 并发"])
        #expect(rendered.html.contains("<h2 id=\"hello-world\"><a class=\"anchor\" href=\"#hello-world\" aria-hidden=\"true\"></a>"))
        #expect(rendered.html.contains("<h3 id=\"结构化-并发\">"))
    }

    @Test("reserved ids are avoided, so a teaser and its premium part never share an id")
    func reservedIDs() {
        let rendered = renderer.render(markdown: "## Setup\n", reservedIDs: ["setup"])
        #expect(rendered.headings.first?.id == "setup-1")
    }

    @Test("heading text keeps inline code and drops markup")
    func headingText() {
        let rendered = renderer.render(markdown: "## The `Sendable` *protocol*\n")
        #expect(rendered.headings.first?.text == "The Sendable protocol")
        #expect(rendered.headings.first?.id == "the-sendable-protocol")
    }

    @Test("links are handed to the resolver with their line and rewritten or reported")
    func linkResolution() {
        var seen: [LinkReference] = []
        let rendered = renderer.render(markdown: "Intro.\n\nSee [a](a.md) and\n![b](b.png).\n\n[gone](gone.md)\n", firstLine: 5) { reference in
            seen.append(reference)
            switch reference.destination {
            case "a.md": return .replace("/course/a/")
            case "gone.md": return .problem("broken")
            default: return .keep
            }
        }
        #expect(seen.map(\.destination) == ["a.md", "b.png", "gone.md"])
        #expect(seen.map(\.isImage) == [false, true, false])
        #expect(seen.map(\.line) == [7, 8, 10])
        #expect(rendered.html.contains("<a href=\"/course/a/\">a</a>"))
        #expect(rendered.html.contains("<img src=\"b.png\" alt=\"b\" />"))
        #expect(rendered.problems.map(\.line) == [10])
        #expect(rendered.problems.map(\.message) == ["broken"])
    }

    @Test("top-level blocks are listed with their kind and lines, for cutting a document between two")
    func blocks() {
        let blocks = renderer.blocks(of: "# Title\n\n- a\n- b\n\nFirst\nparagraph[^n].\n\n[r]: /u\n\n<!--more-->\n| a |\n|---|\n| b |\n\n[^n]: note\n")
        #expect(blocks.map(\.kind) == [.heading(level: 1), .other, .paragraph, .html, .other, .footnoteDefinition])
        #expect(blocks.map(\.startLine) == [1, 3, 6, 11, 12, 16])
        #expect(blocks[2].endLine == 7)
        #expect(blocks[0].text == "Title")
        #expect(blocks[3].text.hasPrefix("<!--more-->"))
    }

    @Test("definitions from elsewhere show only where cited, and their link problems are not reported here")
    func borrowedDefinitions() {
        let definitions = "[^cited]: The cited note, with [a link](gone.md).\n[^other]: A note nobody here cites.\n\n[guide]: guide.md\n[bad]: gone.md\n"
        let rendered = renderer.render(markdown: "See a note[^cited] and [the guide][guide].\n", firstLine: 5, definitions: definitions) { reference in
            reference.destination == "guide.md" ? .replace("/guide/") : .problem("broken \(reference.destination)")
        }
        #expect(rendered.html.contains("The cited note, with") && !rendered.html.contains("[^cited]"))
        #expect(!rendered.html.contains("nobody"))
        #expect(rendered.html.contains("<a href=\"/guide/\">the guide</a>"))
        #expect(rendered.problems.isEmpty)
        let own = renderer.render(markdown: "[x](gone.md)\n", firstLine: 5, definitions: definitions) { .problem("broken \($0.destination)") }
        #expect(own.problems.map(\.line) == [5])
    }

    @Test("HTML in link destinations and heading ids is escaped")
    func escaping() {
        let rendered = renderer.render(markdown: "## a\"<b>\n")
        #expect(!rendered.html.contains("id=\"a\"<"))
    }
}

@Suite("Markdown rendering on many threads")
struct ConcurrentRenderingTests {
    @Test("parallel renders give the same HTML as one render (cmark-gfm's global special characters)")
    func parallel() async {
        let renderer = MarkdownRenderer()
        // Long enough that one parse's inline pass overlaps another's start and end.
        let paragraph = "~~gone~~ and www.example.com and https://example.org/x, *em* `code` [l](x.md)\n\n- [x] done\n\n"
        let source = String(repeating: paragraph, count: 60)
        let expected = renderer.render(markdown: source).html
        #expect(expected.contains("<del>gone</del>"))
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<400 {
                group.addTask { renderer.render(markdown: source).html == expected }
            }
            var all: [Bool] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 400)
        #expect(results.allSatisfy { $0 }, "\(results.filter { !$0 }.count) of 400 parallel renders differ")
    }
}
