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
    /// Step 4: Markdown to HTML on every core, rewriting links, highlighting code and
    /// reporting broken links and code fences.
    static let renderMarkdown = BuildStep(name: "render Markdown") { context in
        let renderer = MarkdownRenderer(options: context.config.markdownOptions)
        let links = LinkResolver(content: context.content, basePath: context.config.basePath)
        let highlighter = CodeBlockRenderer.highlighter(for: context.config, source: context.options.source)
        let work = zip(context.content.chapters, context.sources).map { ($0, $1) }
        let results: [(RenderedChapter, [Diagnostic], Set<String>)] = parallelMap(work) { chapter, split in
            let source = chapter.source
            let code = highlighter.map(CodeBlockRenderer.init(highlighter:))
            let renderCode = code.map { code in { code.render($0) } }
            // One parse for both parts when the body can be cut by lines.
            if let cut = split.bodyCut,
                let (teaser, premium) = renderer.render(
                    markdown: chapter.body, firstLine: split.publicLine, cut: cut,
                    resolveLink: { links.resolve($0, from: source) }, renderCode: renderCode)
            {
                let rendered = RenderedChapter(
                    publicHTML: teaser.html, headings: teaser.headings, premiumHTML: premium.html, premiumHeadings: premium.headings)
                let problems = (teaser.problems + premium.problems).map { Diagnostic(file: source, line: $0.line, $0.message) }
                return (rendered, problems, code?.unknownLanguages ?? [])
            }
            let visible = renderer.render(
                markdown: split.publicMarkdown, firstLine: split.publicLine, definitions: split.premiumDefinitions,
                resolveLink: { links.resolve($0, from: source) }, renderCode: renderCode)
            var problems = visible.problems
            var premiumHTML: String?
            var premiumHeadings: [Heading] = []
            if let premium = split.premiumMarkdown(body: chapter.body) {
                let rendered = renderer.render(
                    markdown: premium, firstLine: split.premiumLine, reservedIDs: Set(visible.headings.map(\.id)),
                    definitions: split.publicDefinitions,
                    resolveLink: { links.resolve($0, from: source) }, renderCode: renderCode)
                problems += rendered.problems
                premiumHTML = rendered.html
                premiumHeadings = rendered.headings
            }
            let chapter = RenderedChapter(
                publicHTML: visible.html, headings: visible.headings, premiumHTML: premiumHTML, premiumHeadings: premiumHeadings)
            return (chapter, problems.map { Diagnostic(file: source, line: $0.line, $0.message) }, code?.unknownLanguages ?? [])
        }
        var bag = DiagnosticBag()
        var unknown: [String: Set<String>] = [:]
        // The parts are rendered: their text (a copy of most of every body) is let go.
        context.sources = []
        context.rendered = results.map(\.0)
        bag.add(contentsOf: results.flatMap(\.1))
        for ((chapter, _), result) in zip(work, results) {
            for language in result.2 { unknown[language, default: []].insert(chapter.source) }
        }
        context.courseBodies = context.content.courses.map { course in
            let code = highlighter.map(CodeBlockRenderer.init(highlighter:))
            let rendered = renderer.render(
                markdown: course.body, firstLine: course.bodyLine,
                resolveLink: { links.resolve($0, from: course.source) }, renderCode: code.map { code in { code.render($0) } })
            bag.add(contentsOf: rendered.problems.map { Diagnostic(file: course.source, line: $0.line, $0.message) })
            for language in code?.unknownLanguages ?? [] { unknown[language, default: []].insert(course.source) }
            return rendered.html
        }
        if !bag.isEmpty { throw DiagnosticList(items: bag.items) }
        if let highlighter { context.notices += CodeBlockRenderer.notices(unknown: unknown, highlighter: highlighter) }
        return Format.count(context.rendered.count, "chapter")
    }
}
