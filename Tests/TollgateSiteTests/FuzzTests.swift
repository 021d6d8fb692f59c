import Foundation
import Testing
import TollgateMarkdown
import TollgateTestSupport

@testable import TollgateSite

/// Seeded mutation fuzzing of what authors write: `site.yml`, Markdown, and whole chapter
/// files (front matter and body) through the real build. Bounded by `TOLLGATE_FUZZ_SECONDS`
/// and `TOLLGATE_FUZZ_RUNS`; each target prints its seed (see ``Fuzzer``).
@Suite("fuzzing author input", .serialized)
struct FuzzTests {
    /// Fragments that reach the corners of the parsers.
    static let dictionary = [
        "---\n", "...\n", ": ", ":", "\n  - ", "- id: ", "tier: ", "title: ", "weight: ", "draft: true\n",
        "free_preview: true\n", "includes: [", "]", "{", "}", "&anchor ", "*anchor", "!!binary ", "'", "\"",
        "<!-- more -->\n", "<!--more-->", "\n\n", "```swift\n", "```\n", "~~~", "    ", "\t", "> ", "* ", "1. ",
        "[link](", "](other.md)", "](../go/01-intro.md#x)", "![img](images/d.svg)", "[^1]", "[^1]: note\n",
        "[ref]: /x\n", "| a | b |\n|---|---|\n", "<div>", "</div>", "<script>", "&amp;", "&#0;", "\\", "`",
        "# ", "## ", "e\u{301}", "\u{FEFF}", "\u{0}", "\u{202E}", "\u{FFFD}", "漢字。", "👩‍💻", "\r\n", "\r",
    ]

    static var regressions: URL { Fixtures.folder.appendingPathComponent("fuzz") }

    @Test("site.yml: any text is a configuration or a list of diagnostics with a line")
    func siteConfiguration() throws {
        let seed = try String(contentsOf: Fixtures.valid("valid").appendingPathComponent("site.yml"), encoding: .utf8)
        let example = try String(contentsOf: FixtureSite.repositoryRoot.appendingPathComponent("site.yml"), encoding: .utf8)
        var fuzzer = Fuzzer(target: "site-yml")
        try fuzzer.run(seeds: [seed, example], dictionary: Self.dictionary, regressions: Self.regressions.appendingPathComponent("site-yml")) { text in
            do {
                _ = try SiteConfig.parse(text, file: "site.yml", stringKeys: ["buy"])
            } catch let list as DiagnosticList {
                try #require(!list.items.isEmpty, "an empty diagnostic list for:\n\(text)")
                for item in list.items { try #require(!item.message.isEmpty && item.file == "site.yml") }
            } catch let diagnostic as Diagnostic {
                try #require(!diagnostic.message.isEmpty && diagnostic.file == "site.yml")
            }
        }
    }

    @Test("Markdown: any text renders to HTML and blocks, with unique heading ids, with borrowed definitions too")
    func markdown() throws {
        let chapters = Self.chapterFiles.compactMap { try? String(contentsOf: $0, encoding: .utf8) }
        let renderer = MarkdownRenderer(options: [.smartPunctuation])
        var fuzzer = Fuzzer(target: "markdown")
        try fuzzer.run(seeds: chapters, dictionary: Self.dictionary, regressions: Self.regressions.appendingPathComponent("markdown")) { text in
            let rendered = renderer.render(markdown: text) { _ in .keep }
            let ids = rendered.headings.map(\.id)
            try #require(Set(ids).count == ids.count, "duplicate heading ids \(ids) for:\n\(text)")
            let blocks = renderer.blocks(of: text)
            try #require(blocks.count <= text.utf8.count + 1, "more blocks than bytes for:\n\(text)")
            // The premium part is rendered with the teaser's definitions, and the other way round.
            let withDefinitions = renderer.render(markdown: text, reservedIDs: Set(ids), definitions: text) { _ in .keep }
            try #require(Set(withDefinitions.headings.map(\.id)).isDisjoint(with: ids), "reserved ids reused for:\n\(text)")
            try Self.requireSameCut(text, blocks: blocks, renderer: renderer)
        }
    }

    /// A premium chapter of the fixture, mutated (front matter and body) and built for real:
    /// the build either publishes a whole site or fails with diagnostics and leaves the
    /// previous site as it was.
    @Test("a chapter file: the build publishes a whole site or fails with diagnostics and keeps the old one")
    func chapterThroughTheBuild() throws {
        let site = try FixtureSite(copying: Fixtures.valid("valid"))
        defer { site.remove() }
        let chapter = site.root.appendingPathComponent("content/rust/01-basics/02-ownership.md")
        let output = site.outputFolder()
        let options = BuildOptions.fixture(source: site.root, output: output)
        _ = try Pipeline.build(options)
        let sentinel = output.appendingPathComponent("fuzz-sentinel.txt")
        let seeds = Self.chapterFiles.compactMap { try? String(contentsOf: $0, encoding: .utf8) }
        var fuzzer = Fuzzer(target: "chapter")
        try fuzzer.run(seeds: seeds, dictionary: Self.dictionary, regressions: Self.regressions.appendingPathComponent("chapter")) { text in
            try Data(text.utf8).write(to: sentinel)
            try Data(text.utf8).write(to: chapter)
            do {
                let report = try Pipeline.build(options)
                try #require(report.pages > 0)
                try #require(!FileManager.default.fileExists(atPath: sentinel.path), "the old site was not replaced whole")
                try #require(FileManager.default.fileExists(atPath: output.appendingPathComponent("index.html").path))
            } catch let failure as BuildFailure {
                try #require(!failure.diagnostics.isEmpty, "a failure without diagnostics for:\n\(text)")
                for diagnostic in failure.diagnostics { try #require(!diagnostic.message.isEmpty) }
                try #require(
                    FileManager.default.contents(atPath: sentinel.path) == Data(text.utf8),
                    "a failed build changed the published site")
            }
        }
    }

    /// Without definitions, a document cut between its blocks with one parse renders as its
    /// parts rendered on their own (the teaser's first block left out, a middle block dropped
    /// like a marker), or is refused.
    static func requireSameCut(_ text: String, blocks: [MarkdownBlock], renderer: MarkdownRenderer) throws {
        // As TeaserCut decides it (bytes, not characters).
        guard UTF8Search.firstOffset(of: "]:", in: text) == nil, UTF8Search.firstOffset(of: "\u{FEFF}", in: text) == nil,
            !text.utf8.contains(0x0D), let first = blocks.first
        else { return }
        let middle = blocks[blocks.count / 2]
        // A marker's cut (the middle block dropped) and an implicit teaser's (nothing dropped).
        for cut in [
            MarkdownCut(teaserEnd: middle.startLine, premiumStart: middle.endLine + 1, droppedLine: first.startLine),
            MarkdownCut(teaserEnd: middle.startLine, premiumStart: middle.startLine, droppedLine: first.startLine),
        ] {
            try requireSameCut(text, cut: cut, dropped: first, renderer: renderer)
        }
    }

    static func requireSameCut(_ text: String, cut: MarkdownCut, dropped first: MarkdownBlock, renderer: MarkdownRenderer) throws {
        guard let (teaser, premium) = renderer.render(markdown: text, firstLine: 3, cut: cut) else { return }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if first.startLine < cut.teaserEnd {
            for line in first.startLine...first.endLine where line <= lines.count { lines[line - 1] = "" }
        }
        let expectedTeaser = renderer.render(markdown: lines.prefix(cut.teaserEnd - 1).joined(separator: "\n"), firstLine: 3)
        let expectedPremium = renderer.render(
            markdown: text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(cut.premiumStart - 1).joined(separator: "\n"),
            firstLine: 3 + cut.premiumStart - 1, reservedIDs: Set(expectedTeaser.headings.map(\.id)))
        try #require(teaser == expectedTeaser, "the teaser of one parse differs (cut \(cut)) for:\n\(text)")
        try #require(premium == expectedPremium, "the premium part of one parse differs (cut \(cut)) for:\n\(text)")
    }

    /// Chapter files of the fixtures and of the example site.
    static var chapterFiles: [URL] {
        [Fixtures.valid("valid"), Fixtures.valid("cjk"), FixtureSite.repositoryRoot].flatMap { root -> [URL] in
            let content = root.appendingPathComponent("content")
            let paths = (FileManager.default.enumerator(atPath: content.path)?.allObjects as? [String]) ?? []
            return paths.filter { $0.hasSuffix(".md") }.sorted().map { content.appendingPathComponent($0) }
        }
    }
}
