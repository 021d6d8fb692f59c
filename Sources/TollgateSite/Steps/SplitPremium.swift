import Foundation
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
        let hasMarker = chapter.body.utf8.count >= Self.moreMarker.utf8.count && chapter.body.range(of: Self.moreMarker) != nil
        guard hasMarker || chapter.isLocked else {
            publicMarkdown = chapter.body
            publicLine = chapter.bodyLine
            premiumMarkdown = nil
            premiumLine = 0
            return
        }
        let lines = LineScanner(chapter.body)
        let marker = hasMarker ? lines.firstLine(equalTo: Self.moreMarker) : nil
        guard chapter.isLocked else {
            // A public chapter: the marker line is dropped, keeping line numbers.
            var text = chapter.body
            if let marker {
                let start = lines.startOfLine(marker)
                text.replaceSubrange(start..<lines.endOfLine(from: start), with: "")
            }
            publicMarkdown = text
            publicLine = chapter.bodyLine
            premiumMarkdown = nil
            premiumLine = 0
            return
        }
        // The teaser ends before the marker line, or after the first paragraph.
        let cut = marker.map { ($0, $0 + 1) }
            ?? renderer.endLineOfFirstParagraph(in: chapter.body).map { ($0, $0) }
            ?? (0, 0)
        let teaserEnd = lines.startOfLine(cut.0)
        publicMarkdown = String(chapter.body[..<teaserEnd])
        publicLine = chapter.bodyLine
        premiumMarkdown = String(chapter.body[lines.startOfLine(cut.1)...])
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
