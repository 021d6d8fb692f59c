import Foundation

/// A chapter's Markdown, split into what is public and what is for members.
struct ChapterSource: Sendable {
    /// The whole chapter when it is public; the teaser when it is locked.
    var publicMarkdown: String
    var publicLine: Int
    /// The rest of a locked chapter, after its teaser; nil for a public chapter.
    var premiumMarkdown: String?
    var premiumLine: Int
    /// A locked chapter without a `<!-- more -->` line: its teaser is its first paragraph,
    /// cut while rendering (`publicMarkdown` is then the whole chapter).
    var teaserIsFirstParagraph = false

    /// The line that ends a premium chapter's teaser.
    static let moreMarker = "<!-- more -->"

    /// Splits `chapter`'s body. A locked chapter's teaser ends at the `<!-- more -->` line,
    /// or after its first paragraph when it has none.
    init(_ chapter: Chapter) {
        let hasMarker = UTF8Search.firstOffset(of: Self.moreMarker, in: chapter.body) != nil
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
        guard let marker else {
            publicMarkdown = chapter.body
            publicLine = chapter.bodyLine
            premiumMarkdown = nil
            premiumLine = chapter.bodyLine
            teaserIsFirstParagraph = true
            return
        }
        // The teaser ends before the marker line.
        publicMarkdown = String(chapter.body[..<lines.startOfLine(marker)])
        publicLine = chapter.bodyLine
        premiumMarkdown = String(chapter.body[lines.startOfLine(marker + 1)...])
        premiumLine = chapter.bodyLine + marker + 1
    }
}

extension BuildStep {
    /// Step 3: each premium chapter's teaser, cut from its premium part.
    static let splitPremium = BuildStep(name: "split premium chapters") { context in
        context.sources = parallelMap(context.content.chapters) { ChapterSource($0) }
        let premium = context.sources.filter { $0.premiumMarkdown != nil || $0.teaserIsFirstParagraph }.count
        return "\(Format.count(premium, "premium chapter")) of \(Format.count(context.sources.count))"
    }
}
