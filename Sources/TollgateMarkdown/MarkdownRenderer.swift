import CCmarkGFM
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Renders GitHub Flavored Markdown to HTML with libcmark-gfm.
///
/// This is the only file in Tollgate that calls `cmark_*` functions. It parses with the
/// GFM extensions (tables, strikethrough, autolinks, task lists, tagfilter) and footnotes,
/// gives every heading a unique GitHub-style id with an anchor link, and lets the caller
/// rewrite or reject every link and image destination.
public struct MarkdownRenderer: Sendable {
    /// The options this renderer was made with.
    public let options: MarkdownOptions

    /// Makes a renderer.
    public init(options: MarkdownOptions = [.smartPunctuation]) {
        self.options = options
        _ = Self.registered
    }

    private static let registered: Bool = {
        cmark_gfm_core_extensions_ensure_registered()
        return true
    }()

    private static let extensionNames = ["table", "strikethrough", "autolink", "tagfilter", "tasklist"]

    /// libcmark-gfm keeps the inline parser's special characters in one global table, the
    /// same for every parser in the process: `cmark_parser_finish` adds its extensions'
    /// characters (`~`, `w`, `:`…) before the inline pass and removes them after it, so a
    /// parse that finishes while another is in its inline pass takes strikethrough and
    /// autolinks away from the other one. The table cannot simply be filled once: the same
    /// per-extension lists tell the emphasis pass which extension owns a delimiter. Finishing
    /// holds this lock (alone when the parser's extensions change the table, shared when they
    /// only read it); feeding lines (block structure, which never reads the table), walking
    /// and rendering the tree run in parallel.
    private static let finishLock = InlinePassLock()

    /// Parses `markdown` with `parser`; the inline pass runs under ``finishLock``, shared with
    /// other readers when `writesTable` is false: for a parser whose extensions add no special
    /// characters.
    private static func parse(_ markdown: String, with parser: OpaquePointer, writesTable: Bool = true) -> OpaquePointer? {
        var source = markdown
        source.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                cmark_parser_feed(parser, chars.baseAddress, chars.count)
            }
        }
        return finishLock.run(writes: writesTable) { cmark_parser_finish(parser) }
    }

    private var cmarkOptions: Int32 {
        var flags = CMARK_OPT_FOOTNOTES
        if options.contains(.smartPunctuation) { flags |= CMARK_OPT_SMART }
        if options.contains(.rawHTML) { flags |= CMARK_OPT_UNSAFE }
        return flags
    }

    /// Renders `markdown` to HTML.
    ///
    /// - Parameters:
    ///   - markdown: the Markdown source.
    ///   - firstLine: the line number of the first line of `markdown` in its file, used in
    ///     the lines that link problems report (front matter comes before the body).
    ///   - reservedIDs: heading ids already used on the page; new ids avoid them.
    ///   - definitions: link reference and footnote definitions written elsewhere (the other
    ///     part of a chapter cut in two), read after `markdown`. They show only where
    ///     `markdown` cites them: a footnote nobody cites is not rendered. Link problems on
    ///     their lines are not reported: they belong to the file where they are written.
    ///   - resolveLink: called once for every link and image destination, in document order.
    ///   - renderCode: called once for every code block of `markdown`, in document order; nil
    ///     renders code blocks as cmark-gfm does.
    /// - Returns: the HTML, the headings with their ids, and the problems `resolveLink` and
    ///   `renderCode` reported.
    public func render(
        markdown: String,
        firstLine: Int = 1,
        reservedIDs: Set<String> = [],
        definitions: String = "",
        resolveLink: (LinkReference) -> LinkResolution = { _ in .keep },
        renderCode: ((CodeBlockSource) -> CodeBlockRendering)? = nil
    ) -> RenderedMarkdown {
        let empty = RenderedMarkdown(html: "", headings: [], problems: [])
        var source = markdown
        var ownLines = Int.max
        if !definitions.isEmpty {
            ownLines = markdown.utf8.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
            source += (markdown.isEmpty || markdown.hasSuffix("\n") ? "\n" : "\n\n") + definitions
        }
        let flags = cmarkOptions
        guard let parser = makeParser(flags) else { return empty }
        defer { cmark_parser_free(parser) }
        guard let document = Self.parse(source, with: parser) else { return empty }
        defer { cmark_node_free(document) }
        var ids = HeadingIDs(reserved: reservedIDs)
        var (headings, problems) = Self.process(
            document, firstLine: firstLine, ids: &ids, resolveLink: resolveLink, renderCode: renderCode)
        problems.removeAll { $0.line - firstLine + 1 > ownLines }
        guard let rendered = cmark_render_html(document, flags, cmark_parser_get_syntax_extensions(parser)) else {
            return RenderedMarkdown(html: "", headings: headings, problems: problems)
        }
        defer { free(rendered) }
        return RenderedMarkdown(html: String(cString: rendered), headings: headings, problems: problems)
    }

    /// Renders `markdown` cut in two (see ``MarkdownCut``) with one parse: the same HTML,
    /// headings and problems as rendering the teaser's lines and the premium part's lines on
    /// their own (the premium part's heading ids avoid the teaser's), for a document without
    /// link reference or footnote definitions and without a byte order mark (cmark-gfm drops
    /// one that starts a document, so a part on its own could start differently).
    ///
    /// - Returns: nil when the blocks cannot be told apart by lines: a top-level block without
    ///   a line (cmark-gfm reports line 0 for a paragraph that a table interrupted), or one
    ///   that runs past the start of the part after it. The caller then renders the two parts
    ///   on their own.
    public func render(
        markdown: String,
        firstLine: Int = 1,
        cut: MarkdownCut,
        resolveLink: (LinkReference) -> LinkResolution = { _ in .keep },
        renderCode: ((CodeBlockSource) -> CodeBlockRendering)? = nil
    ) -> (teaser: RenderedMarkdown, premium: RenderedMarkdown)? {
        let flags = cmarkOptions
        guard let parser = makeParser(flags) else { return nil }
        defer { cmark_parser_free(parser) }
        guard let document = Self.parse(markdown, with: parser) else { return nil }
        defer { cmark_node_free(document) }
        guard let premium = cmark_node_new(CMARK_NODE_DOCUMENT) else { return nil }
        defer { cmark_node_free(premium) }
        // Every block before a part's first line must end before it. cmark-gfm reports some
        // last lines one early (an HTML block that its own end closes) and some late (a Setext
        // heading's is the next line), so a block counts as running one line past its report.
        // The dropped block's lines, as reported, are blanked in the parts on their own: no
        // other block may start on them.
        var next = cmark_node_first_child(document)
        var droppedEnd = 0
        var setext = SetextLines(markdown)
        while let node = next {
            let start = Int(cmark_node_get_start_line(node))
            var end = Int(cmark_node_get_end_line(node))
            if cmark_node_get_type(node) == CMARK_NODE_HEADING { end = setext.lastLine(start: start, reportedEnd: end) }
            guard start > 0, start > droppedEnd else { return nil }
            let lastLine = max(start, end + 1)
            if start < cut.teaserEnd, lastLine >= cut.teaserEnd { return nil }
            if start < cut.premiumStart, lastLine >= cut.premiumStart { return nil }
            if start == cut.droppedLine, start < cut.teaserEnd { droppedEnd = max(start, end) }
            next = cmark_node_next(node)
        }
        next = cmark_node_first_child(document)
        while let node = next {
            next = cmark_node_next(node)
            let line = Int(cmark_node_get_start_line(node))
            if line >= cut.premiumStart {
                cmark_node_unlink(node)
                cmark_node_append_child(premium, node)
            } else if line >= cut.teaserEnd || line == cut.droppedLine {
                cmark_node_unlink(node)
                cmark_node_free(node)
            }
        }
        let extensions = cmark_parser_get_syntax_extensions(parser)
        var ids = HeadingIDs()
        let teaser = Self.render(
            document, flags: flags, extensions: extensions, firstLine: firstLine, ids: &ids, resolveLink: resolveLink, renderCode: renderCode)
        let rest = Self.render(
            premium, flags: flags, extensions: extensions, firstLine: firstLine, ids: &ids, resolveLink: resolveLink, renderCode: renderCode)
        return (teaser, rest)
    }

    /// `root` processed (links resolved, heading ids given) and rendered to HTML.
    private static func render(
        _ root: OpaquePointer, flags: Int32, extensions: UnsafeMutablePointer<cmark_llist>?, firstLine: Int, ids: inout HeadingIDs,
        resolveLink: (LinkReference) -> LinkResolution, renderCode: ((CodeBlockSource) -> CodeBlockRendering)?
    ) -> RenderedMarkdown {
        let (headings, problems) = process(root, firstLine: firstLine, ids: &ids, resolveLink: resolveLink, renderCode: renderCode)
        guard let rendered = cmark_render_html(root, flags, extensions) else {
            return RenderedMarkdown(html: "", headings: headings, problems: problems)
        }
        defer { free(rendered) }
        return RenderedMarkdown(html: String(cString: rendered), headings: headings, problems: problems)
    }

    /// The top-level blocks of `markdown`, in order, parsed as ``render(markdown:firstLine:reservedIDs:definitions:resolveLink:)``
    /// parses them (footnotes and tables included).
    ///
    /// Of the extensions, only tables make blocks; the others work inside blocks. With tables
    /// alone, which add no special character to the inline pass, the parse only reads the
    /// global table of special characters: it shares the lock with other such parses.
    public func blocks(of markdown: String) -> [MarkdownBlock] {
        guard let parser = makeParser(cmarkOptions, extensions: ["table"]) else { return [] }
        defer { cmark_parser_free(parser) }
        guard let document = Self.parse(markdown, with: parser, writesTable: false) else { return [] }
        defer { cmark_node_free(document) }
        var blocks: [MarkdownBlock] = []
        var setext = SetextLines(markdown)
        var next = cmark_node_first_child(document)
        while let node = next {
            next = cmark_node_next(node)
            let kind: MarkdownBlock.Kind
            var text = ""
            switch cmark_node_get_type(node) {
            case CMARK_NODE_PARAGRAPH:
                kind = .paragraph
            case CMARK_NODE_HEADING:
                kind = .heading(level: Int(cmark_node_get_heading_level(node)))
                text = Self.plainText(of: node)
            case CMARK_NODE_HTML_BLOCK:
                kind = .html
                text = cmark_node_get_literal(node).map { String(cString: $0) } ?? ""
            case CMARK_NODE_FOOTNOTE_DEFINITION:
                kind = .footnoteDefinition
            default:
                kind = .other
            }
            // cmark-gfm reports line 0 for a paragraph that a table interrupted (the table
            // takes its last line and its position): such a block starts on line 1 here, so
            // every line number is a line of the text, and its size reads as nothing.
            let start = max(1, Int(cmark_node_get_start_line(node)))
            var end = max(start, Int(cmark_node_get_end_line(node)))
            if case .heading = kind { end = setext.lastLine(start: start, reportedEnd: end) }
            blocks.append(MarkdownBlock(kind: kind, startLine: start, endLine: end, text: text))
        }
        return blocks
    }

    /// A parser with Tollgate's options and GFM extensions (all of them by default).
    private func makeParser(_ flags: Int32, extensions: [String] = extensionNames) -> OpaquePointer? {
        guard let parser = cmark_parser_new(flags) else { return nil }
        for name in extensions {
            if let ext = cmark_find_syntax_extension(name) {
                cmark_parser_attach_syntax_extension(parser, ext)
            }
        }
        return parser
    }

    /// Resolves the links of `root`, gives its headings ids and anchors, and hands its code
    /// blocks to `renderCode`.
    private static func process(
        _ root: OpaquePointer, firstLine: Int, ids: inout HeadingIDs, resolveLink: (LinkReference) -> LinkResolution,
        renderCode: ((CodeBlockSource) -> CodeBlockRendering)?
    ) -> ([Heading], [MarkdownProblem]) {
        var headingNodes: [OpaquePointer] = []
        var codeNodes: [OpaquePointer] = []
        var problems: [MarkdownProblem] = []
        let iterator = cmark_iter_new(root)
        defer { cmark_iter_free(iterator) }
        while case let event = cmark_iter_next(iterator), event != CMARK_EVENT_DONE {
            guard event == CMARK_EVENT_ENTER, let node = cmark_iter_get_node(iterator) else { continue }
            switch cmark_node_get_type(node) {
            case CMARK_NODE_HEADING:
                headingNodes.append(node)
            case CMARK_NODE_CODE_BLOCK where renderCode != nil:
                codeNodes.append(node)
            case CMARK_NODE_LINK, CMARK_NODE_IMAGE:
                let destination = cmark_node_get_url(node).map { String(cString: $0) } ?? ""
                let reference = LinkReference(
                    destination: destination,
                    isImage: cmark_node_get_type(node) == CMARK_NODE_IMAGE,
                    line: Self.line(of: node) + firstLine - 1
                )
                switch resolveLink(reference) {
                case .keep:
                    break
                case .replace(let url):
                    cmark_node_set_url(node, url)
                case .problem(let message):
                    problems.append(MarkdownProblem(line: reference.line, message: message))
                }
            default:
                break
            }
        }
        var headings: [Heading] = []
        for node in headingNodes {
            let level = Int(cmark_node_get_heading_level(node))
            let text = plainText(of: node)
            let id = ids.makeUnique(HeadingIDs.slug(text))
            headings.append(Heading(level: level, id: id, text: text))
            replaceHeading(node, level: level, id: id)
        }
        if let renderCode {
            for node in codeNodes {
                let block = CodeBlockSource(
                    info: cmark_node_get_fence_info(node).map { String(cString: $0) } ?? "",
                    code: cmark_node_get_literal(node).map { String(cString: $0) } ?? "",
                    line: line(of: node) + firstLine - 1)
                switch renderCode(block) {
                case .keep:
                    break
                case .html(let html):
                    replace(node, byHTML: html)
                case .problem(let message):
                    problems.append(MarkdownProblem(line: block.line, message: message))
                }
            }
        }
        return (headings, problems)
    }

    /// Replaces `node` by a custom block that renders as `html`.
    private static func replace(_ node: OpaquePointer, byHTML html: String) {
        guard let block = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK) else { return }
        cmark_node_set_on_enter(block, html)
        cmark_node_set_on_exit(block, "")
        cmark_node_replace(node, block)
        cmark_node_free(node)
    }

    /// Replaces a heading node by a custom block that renders `<hN id>` with an anchor link,
    /// keeping the heading's inline children.
    private static func replaceHeading(_ heading: OpaquePointer, level: Int, id: String) {
        guard let block = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK) else { return }
        let escaped = HTMLEscaping.attribute(id)
        cmark_node_set_on_enter(
            block, "<h\(level) id=\"\(escaped)\"><a class=\"anchor\" href=\"#\(escaped)\" aria-hidden=\"true\"></a>")
        cmark_node_set_on_exit(block, "</h\(level)>")
        while let child = cmark_node_first_child(heading) {
            cmark_node_unlink(child)
            cmark_node_append_child(block, child)
        }
        cmark_node_replace(heading, block)
        cmark_node_free(heading)
    }

    /// The text a reader sees in `node`: its text, code and line-break descendants.
    private static func plainText(of node: OpaquePointer) -> String {
        var text = ""
        let iterator = cmark_iter_new(node)
        defer { cmark_iter_free(iterator) }
        while case let event = cmark_iter_next(iterator), event != CMARK_EVENT_DONE {
            guard event == CMARK_EVENT_ENTER, let child = cmark_iter_get_node(iterator) else { continue }
            switch cmark_node_get_type(child) {
            case CMARK_NODE_TEXT, CMARK_NODE_CODE:
                if let literal = cmark_node_get_literal(child) { text += String(cString: literal) }
            case CMARK_NODE_SOFTBREAK, CMARK_NODE_LINEBREAK:
                text += " "
            default:
                break
            }
        }
        return text
    }

    /// The source line of `node`, or of its nearest ancestor that knows its line.
    private static func line(of node: OpaquePointer) -> Int {
        var current: OpaquePointer? = node
        while let candidate = current {
            let line = Int(cmark_node_get_start_line(candidate))
            if line > 0 { return line }
            current = cmark_node_parent(candidate)
        }
        return 1
    }
}
