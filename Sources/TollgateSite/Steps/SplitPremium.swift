import Foundation
import TollgateMarkdown

/// A chapter's Markdown, split into what is public and what is for members.
///
/// Both parts keep their lines where they are in the file (lines left out become blank), so
/// that problems found while rendering name the right line.
struct ChapterSource: Sendable {
    /// The whole chapter when it is public; the teaser when it is locked (maybe empty).
    var publicMarkdown: String
    var publicLine: Int
    /// The rest of a locked chapter, after its teaser; nil for a public chapter.
    private var premium: Premium?
    var premiumLine: Int
    /// Link reference and footnote definitions written in the premium part: the teaser is
    /// rendered with them, and shows a footnote only if it cites it.
    var premiumDefinitions = ""
    /// Those written in the teaser, for the premium part.
    var publicDefinitions = ""
    /// For a locked chapter without definitions: the same two parts as a cut of the whole
    /// body, which renders them with one parse.
    var bodyCut: MarkdownCut?

    /// Where a locked chapter's premium part is kept.
    enum Premium: Sendable {
        /// A copy of its text.
        case text(String)
        /// No copy: it is the chapter's body from ``ChapterSource/bodyCut``'s `premiumStart` on.
        case inBody
    }

    /// A chapter published whole.
    init(whole markdown: String, line: Int) {
        publicMarkdown = markdown
        publicLine = line
        premium = nil
        premiumLine = 0
    }

    /// A locked chapter's two parts.
    init(teaser: String, premium: Premium, line: Int, premiumLine: Int) {
        publicMarkdown = teaser
        publicLine = line
        self.premium = premium
        self.premiumLine = premiumLine
    }

    /// True for a locked chapter (one with a premium part).
    var isLocked: Bool { premium != nil }

    /// The premium part of a locked chapter whose body is `body`; nil for a public chapter.
    func premiumMarkdown(body: String) -> String? {
        switch premium {
        case nil: nil
        case .text(let text): text
        case .inBody: String(body[LineScanner(body).startOfLine((bodyCut?.premiumStart ?? 1) - 1)...])
        }
    }
}

extension BuildStep {
    /// Step 3: each premium chapter's teaser, cut from its premium part (``TeaserCut`` decides
    /// where), and repeated titles taken out of every chapter's body.
    static let splitPremium = BuildStep(name: "split premium chapters") { context in
        let renderer = MarkdownRenderer(options: context.config.markdownOptions)
        let results: [Result<TeaserCut, Diagnostic>] = parallelMap(context.content.chapters) { chapter in
            Result { () throws(Diagnostic) in try TeaserCut(chapter, renderer: renderer) }
        }
        var bag = DiagnosticBag()
        var sources: [ChapterSource] = []
        for result in results {
            switch result {
            case .success(let cut):
                sources.append(cut.source)
                if let notice = cut.notice { context.notices.append(notice.description) }
            case .failure(let diagnostic):
                bag.add(diagnostic)
            }
        }
        if !bag.isEmpty { throw DiagnosticList(items: bag.items) }
        context.sources = sources
        let premium = sources.filter(\.isLocked).count
        return "\(Format.count(premium, "premium chapter")) of \(Format.count(sources.count))"
    }
}
