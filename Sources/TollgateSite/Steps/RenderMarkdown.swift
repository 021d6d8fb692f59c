import Foundation
import TollgateMarkdown

/// A chapter rendered to HTML.
struct RenderedChapter: Sendable {
    /// The whole chapter when public; the teaser when locked.
    var publicHTML: String
    /// Headings of the public HTML.
    var headings: [Heading]
    /// The premium part of a locked chapter.
    var premiumHTML: String?
    /// Headings of the premium part.
    var premiumHeadings: [Heading] = []
}

extension BuildStep {
    /// Step 4: Markdown to HTML on every core, rewriting links and reporting broken ones.
    static let renderMarkdown = BuildStep(name: "render Markdown") { context in
        let renderer = MarkdownRenderer(options: context.config.markdownOptions)
        let links = LinkResolver(content: context.content, basePath: context.config.basePath)
        let work = zip(context.content.chapters, context.sources).map { ($0, $1) }
        let results: [(RenderedChapter, [Diagnostic])] = parallelMap(work) { chapter, split in
            let source = chapter.source
            // One parse for both parts when the body can be cut by lines.
            if let cut = split.bodyCut,
                let (teaser, premium) = renderer.render(markdown: chapter.body, firstLine: split.publicLine, cut: cut, resolveLink: {
                    links.resolve($0, from: source)
                })
            {
                let rendered = RenderedChapter(
                    publicHTML: teaser.html, headings: teaser.headings, premiumHTML: premium.html, premiumHeadings: premium.headings)
                return (rendered, (teaser.problems + premium.problems).map { Diagnostic(file: source, line: $0.line, $0.message) })
            }
            let visible = renderer.render(markdown: split.publicMarkdown, firstLine: split.publicLine, definitions: split.premiumDefinitions) {
                links.resolve($0, from: source)
            }
            var problems = visible.problems
            var premiumHTML: String?
            var premiumHeadings: [Heading] = []
            if let premium = split.premiumMarkdown(body: chapter.body) {
                let rendered = renderer.render(
                    markdown: premium, firstLine: split.premiumLine, reservedIDs: Set(visible.headings.map(\.id)),
                    definitions: split.publicDefinitions
                ) { links.resolve($0, from: source) }
                problems += rendered.problems
                premiumHTML = rendered.html
                premiumHeadings = rendered.headings
            }
            let chapter = RenderedChapter(
                publicHTML: visible.html, headings: visible.headings, premiumHTML: premiumHTML, premiumHeadings: premiumHeadings)
            return (chapter, problems.map { Diagnostic(file: source, line: $0.line, $0.message) })
        }
        var bag = DiagnosticBag()
        // The parts are rendered: their text (a copy of most of every body) is let go.
        context.sources = []
        context.rendered = results.map(\.0)
        bag.add(contentsOf: results.flatMap(\.1))
        context.courseBodies = context.content.courses.map { course in
            let rendered = renderer.render(markdown: course.body, firstLine: course.bodyLine) {
                links.resolve($0, from: course.source)
            }
            bag.add(contentsOf: rendered.problems.map { Diagnostic(file: course.source, line: $0.line, $0.message) })
            return rendered.html
        }
        if !bag.isEmpty { throw DiagnosticList(items: bag.items) }
        return Format.count(context.rendered.count, "chapter")
    }
}
