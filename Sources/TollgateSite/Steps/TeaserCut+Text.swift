import TollgateMarkdown

/// What ``TeaserCut`` reads of a chapter's text: the blocks it needs, its lines, its size.
extension TeaserCut {
    /// The top-level blocks of `body`, or of a prefix of it when that decides the same cut,
    /// which spares parsing a long chapter twice (here and when it is rendered).
    ///
    /// A locked chapter without `<!--` (so without a marker) and without `]:` (so without a
    /// definition) needs only its first blocks: the title and the first block that is not a
    /// heading. CommonMark reads blocks line by line, so a block that another one follows in
    /// a prefix is the same block in the whole body (a prefix can only change its last block).
    /// - Returns: the blocks, and whether they are those of a prefix (only the blocks before
    ///   the last one are then sure).
    static func blocks(of body: String, for chapter: Chapter, renderer: MarkdownRenderer) -> ([MarkdownBlock], isPrefix: Bool) {
        let bytes = body.utf8
        guard chapter.isLocked, UTF8Search.firstOffset(of: "<!--", in: body) == nil, UTF8Search.firstOffset(of: "]:", in: body) == nil else {
            return (renderer.blocks(of: body), false)
        }
        // Most first paragraphs end within 1 KiB; each miss doubles the prefix.
        var length = 1024
        while length < bytes.count {
            // The prefix ends at the end of a line.
            guard let end = bytes[bytes.index(bytes.startIndex, offsetBy: length)...].firstIndex(of: 0x0A) else { break }
            let blocks = renderer.blocks(of: String(body[..<end]))
            var content = blocks[...]
            if let first = content.first, case .heading = first.kind, repeatsTitle(first.text, chapter.title) { content = content.dropFirst() }
            // Sure once the first block that is not a heading has another block after it.
            if let first = content.firstIndex(where: { if case .heading = $0.kind { false } else { true } }), first < blocks.count - 1 {
                return (blocks, true)
            }
            length *= 2
        }
        return (renderer.blocks(of: body), false)
    }

    /// The characters other than white space in `text`, counted until they reach `limit`.
    static func size(of text: String, reaching limit: Int) -> Int {
        var size = 0
        for byte in text.utf8 where byte > 0x20 {
            size += 1
            if size >= limit { break }
        }
        return size
    }

    /// The first `count` lines of `text` (all of them for `.max`), without their `\n`.
    static func lines(of text: String, upTo count: Int) -> [Substring] {
        var lines: [Substring] = []
        let bytes = text.utf8
        var start = bytes.startIndex
        while lines.count < count {
            guard let end = bytes[start...].firstIndex(of: 0x0A) else {
                lines.append(text[start...])
                break
            }
            lines.append(text[start..<end])
            start = bytes.index(after: end)
        }
        return lines
    }
}
