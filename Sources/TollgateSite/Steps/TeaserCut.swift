import Foundation
import TollgateMarkdown

/// Where a chapter's public part ends: the one place that decides it (docs/authoring.md,
/// "The teaser and what is public").
///
/// The cut always falls between two top-level blocks, as cmark-gfm parses the whole body:
/// - a first heading that repeats the chapter's title is dropped, in every chapter;
/// - a locked chapter's teaser ends at its first `<!-- more -->` line (any spacing inside,
///   any case; a block of its own, not in a list, quote or code), and something must follow it;
/// - without a marker, the teaser is the first paragraph with the headings right before it,
///   if nothing else comes first and it is at most a third of the chapter's text;
///   otherwise the chapter has no teaser, and the build says so in a notice;
/// - footnote and link reference definitions of each part are handed to the other one.
struct TeaserCut: Sendable {
    /// The chapter's parts, ready to render.
    let source: ChapterSource
    /// What the author should know (a locked chapter that shows no teaser), or nil.
    let notice: Diagnostic?

    /// An implicit teaser is at most this fraction of the chapter's text: 1/3.
    static let implicitTeaserShare = 3

    /// Cuts `chapter`.
    ///
    /// - Throws: a ``Diagnostic`` at `file:line` when a locked chapter would publish everything
    ///   (nothing follows its marker) or has nothing to seal (an empty body).
    init(_ chapter: Chapter, renderer: MarkdownRenderer) throws(Diagnostic) {
        let body = chapter.body
        guard chapter.isLocked || Self.mayNeedBlocks(body) else {
            source = ChapterSource(whole: body, line: chapter.bodyLine)
            notice = nil
            return
        }
        let (blocks, isPrefix) = Self.blocks(of: body, for: chapter, renderer: renderer)
        // Of a prefix, only the lines up to the last block's first line are needed.
        var lines = Self.lines(of: body, upTo: isPrefix ? blocks.last?.startLine ?? 0 : .max)
        func blank(_ block: MarkdownBlock) {
            for line in block.startLine...block.endLine where line <= lines.count { lines[line - 1] = "" }
        }
        // Blocks a reader sees where they are written (footnotes go to the end of the page).
        var content = blocks.filter { $0.kind != .footnoteDefinition }
        var title = 0  // the size of a dropped title
        var titleLine: Int?
        if let first = content.first, case .heading = first.kind, Self.repeatsTitle(first.text, chapter.title) {
            title = Self.size(of: content[...0], in: lines)
            titleLine = first.startLine
            blank(first)
            content.removeFirst()
        }
        let marker = content.firstIndex { $0.kind == .html && Self.isMarker($0.text) }
        if let marker { blank(content[marker]) }
        guard chapter.isLocked else {
            source = ChapterSource(whole: lines.joined(separator: "\n"), line: chapter.bodyLine)
            notice = nil
            return
        }

        func fileLine(_ line: Int) -> Int { chapter.bodyLine + line - 1 }
        let teaserEnd: Int  // the teaser is lines 1..<teaserEnd
        let premiumStart: Int  // the premium part is lines premiumStart...
        var notice: Diagnostic?
        if let marker {
            let rest = content[(marker + 1)...].filter { !($0.kind == .html && Self.isMarker($0.text)) }
            guard !rest.isEmpty else {
                throw Diagnostic(
                    file: chapter.source, line: fileLine(content[marker].startLine),
                    "this premium chapter would publish everything: nothing but blank lines and definitions follows its '<!-- more -->' line; move the marker up to where the public teaser should end, or set 'free_preview: true' to publish the chapter whole"
                )
            }
            teaserEnd = content[marker].startLine
            premiumStart = content[marker].endLine + 1
        } else {
            guard !content.isEmpty else {
                throw Diagnostic(
                    file: chapter.source, line: chapter.bodyLine,
                    "this premium chapter has nothing to seal: its body is empty; write its premium part, or set 'tier: free' to make it a free chapter")
            }
            let first = content.firstIndex { if case .heading = $0.kind { false } else { true } } ?? content.count - 1
            let share = Self.size(of: content[...first], in: lines) * Self.implicitTeaserShare
            // Blocks of a prefix: the text of the whole body, but for a dropped title.
            let total = isPrefix ? Self.size(of: body, reaching: share + title) - title : Self.size(of: content[...], in: lines)
            // A first paragraph whose lines cmark-gfm lost (a table interrupted it) has no
            // size: it cannot be cut out safely, so the chapter shows no teaser.
            if content[first].kind == .paragraph, share > 0, share <= total {
                teaserEnd = blocks.first { $0.startLine > content[first].endLine }?.startLine ?? lines.count + 1
                premiumStart = teaserEnd
            } else {
                teaserEnd = 1
                premiumStart = 1
                let why = content[first].kind != .paragraph
                    ? "something other than a paragraph comes first (a list, code, a table, a quote or HTML)"
                    : share == 0 ? "its first paragraph runs into a table" : "its first paragraph is more than a third of its text"
                notice = Diagnostic(
                    file: chapter.source, line: fileLine(content[first].startLine),
                    "this premium chapter shows no teaser: it has no '<!-- more -->' line, and \(why); add a '<!-- more -->' line where its public teaser should end")
            }
        }
        let teaser = lines[..<min(teaserEnd - 1, lines.count)]
        // Every definition has a `]:` (`[ref]: url`, `[^note]: text`).
        let hasDefinitions = UTF8Search.firstOffset(of: "]:", in: body) != nil
        // Without definitions, neither part depends on the other: the body can be parsed once
        // and cut between the same blocks. (cmark-gfm drops a byte order mark that starts a
        // document, so a premium part on its own could start differently.)
        let bodyCut = hasDefinitions || UTF8Search.firstOffset(of: "\u{FEFF}", in: body) != nil
            ? nil : MarkdownCut(teaserEnd: teaserEnd, premiumStart: premiumStart, droppedLine: titleLine)
        // No line of the premium part was blanked: it is the body from its first line on, kept
        // as a copy only when the body is not kept for one parse.
        var cut = ChapterSource(
            teaser: teaser.joined(separator: "\n"),
            premium: bodyCut == nil ? .text(String(body[LineScanner(body).startOfLine(premiumStart - 1)...])) : .inBody,
            line: chapter.bodyLine, premiumLine: fileLine(premiumStart))
        cut.bodyCut = bodyCut
        if hasDefinitions {
            cut.publicDefinitions = Self.definitions(in: 1..<teaserEnd, blocks: blocks, lines: lines, renderer: renderer)
            cut.premiumDefinitions = Self.definitions(in: premiumStart..<(lines.count + 1), blocks: blocks, lines: lines, renderer: renderer)
        }
        source = cut
        self.notice = notice
    }

    /// True for the text of an HTML block that is a teaser marker: `<!--`, `more` in any case
    /// with any spaces or tabs around it, `-->`, and nothing else.
    static func isMarker(_ html: String) -> Bool {
        let text = html.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count >= 7, text.hasPrefix("<!--"), text.hasSuffix("-->") else { return false }
        return text.dropFirst(4).dropLast(3).trimmingCharacters(in: CharacterSet(charactersIn: " \t")).lowercased() == "more"
    }

    /// True when `heading` says the same as `title`, up to case, punctuation and spacing
    /// (their slugs are equal).
    static func repeatsTitle(_ heading: String, _ title: String) -> Bool {
        // Most first headings differ from the title at once: their first letters or digits,
        // when both are ASCII, are the slugs' first characters.
        let first = { (text: String) in text.first { $0.isLetter || $0.isNumber } }
        if let a = first(heading), let b = first(title), a.isASCII, b.isASCII, a.lowercased() != b.lowercased() { return false }
        let slug = Slug.make(heading)
        return !slug.isEmpty && slug == Slug.make(title)
    }

    /// A public chapter needs its blocks only for a marker or a heading on its first lines.
    private static func mayNeedBlocks(_ body: String) -> Bool {
        if UTF8Search.firstOffset(of: "<!--", in: body) != nil { return true }
        var seen = 0
        for line in body.split(separator: "\n", maxSplits: 3) {
            let text = line.drop { $0 == " " }
            if text.allSatisfy(\.isWhitespace) { continue }
            if text.hasPrefix("#") || (seen == 1 && (text.hasPrefix("=") || text.hasPrefix("-"))) { return true }
            seen += 1
            if seen == 2 { break }
        }
        return false
    }

    /// The characters other than white space on the lines of `blocks`.
    private static func size(of blocks: ArraySlice<MarkdownBlock>, in lines: [Substring]) -> Int {
        blocks.reduce(0) { total, block in
            (min(block.startLine, lines.count + 1)..<(min(block.endLine, lines.count) + 1)).reduce(total) { sum, line in
                sum + lines[line - 1].utf8.count { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }
            }
        }
    }

    /// The footnote and link reference definitions written on lines `range`: footnote
    /// definitions, and the lines between blocks that no block covers. A piece is kept only if
    /// it renders to nothing on its own, so nothing but definitions ever crosses the cut.
    private static func definitions(in range: Range<Int>, blocks: [MarkdownBlock], lines: [Substring], renderer: MarkdownRenderer) -> String {
        var pieces: [String] = []
        func add(_ span: Range<Int>) {
            let span = span.clamped(to: range).clamped(to: 1..<(lines.count + 1))
            guard !span.isEmpty, span.contains(where: { !lines[$0 - 1].allSatisfy(\.isWhitespace) }) else { return }
            let text = lines[(span.lowerBound - 1)..<(span.upperBound - 1)].joined(separator: "\n")
            if renderer.render(markdown: text).html.allSatisfy(\.isWhitespace) { pieces.append(text) }
        }
        var gapStart = 1
        for block in blocks {
            if gapStart < block.startLine { add(gapStart..<block.startLine) }
            if block.kind == .footnoteDefinition { add(block.startLine..<(block.endLine + 1)) }
            gapStart = max(gapStart, block.endLine + 1)
        }
        if gapStart <= lines.count { add(gapStart..<(lines.count + 1)) }
        return pieces.joined(separator: "\n\n")
    }
}
