import TollgateMarkdown

/// A chapter's Markdown, split into what is public and what is for members.
struct ChapterSource: Sendable {
    /// The whole chapter when it is public; the teaser when it is locked.
    var publicMarkdown: String
    var publicLine: Int
    /// The rest of a locked chapter, after its teaser; nil for a public chapter.
    var premiumMarkdown: String?
    var premiumLine: Int

    /// The line that ends a premium chapter's teaser.
    static let moreMarker = "<!-- more -->"

    /// Splits `chapter`'s body. A locked chapter's teaser ends at the `<!-- more -->` line,
    /// or after its first paragraph when it has none.
    init(_ chapter: Chapter, renderer: MarkdownRenderer) {
        let lines = chapter.body.split(separator: "\n", omittingEmptySubsequences: false)
        let marker = lines.firstIndex { $0.trimmingCharacters(in: .whitespaces) == Self.moreMarker }
        guard chapter.isLocked else {
            var publicLines = lines
            if let marker { publicLines[marker] = "" }
            publicMarkdown = publicLines.joined(separator: "\n")
            publicLine = chapter.bodyLine
            premiumMarkdown = nil
            premiumLine = 0
            return
        }
        let cut = marker.map { ($0, $0 + 1) }
            ?? renderer.endLineOfFirstParagraph(in: chapter.body).map { ($0, $0) }
            ?? (0, 0)
        publicMarkdown = lines[..<cut.0].joined(separator: "\n")
        publicLine = chapter.bodyLine
        premiumMarkdown = lines[min(cut.1, lines.count)...].joined(separator: "\n")
        premiumLine = chapter.bodyLine + cut.1
    }
}

extension BuildStep {
    /// Step 3: each premium chapter's teaser, cut from its premium part.
    static let splitPremium = BuildStep(name: "split premium chapters") { context in
        let renderer = MarkdownRenderer(options: context.config.markdownOptions)
        context.sources = parallelMap(context.content.chapters) { ChapterSource($0, renderer: renderer) }
        let premium = context.sources.filter { $0.premiumMarkdown != nil }.count
        return "\(Format.count(premium, "premium chapter")) of \(Format.count(context.sources.count))"
    }
}
