/// The true last line of top-level Setext headings.
///
/// cmark-gfm reports a Setext heading (`Title` over a line of `=` or `-`) as ending one line
/// past its underline, unless the underline is the document's last line: on the line of a
/// paragraph that follows directly, say. Cutting a document at that line would take the
/// paragraph's first line with the heading. This reads the lines a heading claims and ends
/// it at its underline. Blocks are asked about in document order, so one forward cursor
/// reads the text once.
struct SetextLines {
    private let utf8: String.UTF8View
    private var line = 1
    private var offset: String.UTF8View.Index

    init(_ markdown: String) {
        utf8 = markdown.utf8
        offset = utf8.startIndex
    }

    /// The last line of a heading that cmark-gfm reports on lines `start...end`: the first
    /// underline among lines `start + 1...end`, or `end` when there is none (an ATX heading).
    mutating func lastLine(start: Int, reportedEnd end: Int) -> Int {
        guard end > start else { return end }
        // The first underline ends the heading: no line of its text can be one.
        return (start + 1...end).first { isUnderline($0) } ?? end
    }

    /// True when line `number` (from 1) is a Setext underline: up to three spaces, a run of
    /// `=` or of `-`, then only spaces or tabs.
    private mutating func isUnderline(_ number: Int) -> Bool {
        guard let text = self.text(ofLine: number) else { return false }
        var bytes = text[...]
        var indent = 0
        while let first = bytes.first, first == 0x20, indent < 4 { indent += 1; bytes = bytes.dropFirst() }
        guard indent < 4, let mark = bytes.first, mark == UInt8(ascii: "=") || mark == UInt8(ascii: "-") else { return false }
        while let first = bytes.first, first == mark { bytes = bytes.dropFirst() }
        return bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }

    /// The bytes of line `number`, moving the cursor forward (never back).
    private mutating func text(ofLine number: Int) -> [UInt8]? {
        guard number >= line else { return nil }
        while line < number {
            guard let newline = utf8[offset...].firstIndex(of: 0x0A) else { return nil }
            offset = utf8.index(after: newline)
            line += 1
        }
        let end = utf8[offset...].firstIndex(of: 0x0A) ?? utf8.endIndex
        return Array(utf8[offset..<end])
    }
}
