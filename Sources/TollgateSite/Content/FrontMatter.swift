/// A Markdown file split into its YAML front matter and its body.
struct FrontMatterDocument {
    /// The YAML between the `---` lines ("" when the file has none).
    var yaml: String
    /// Whether the file starts with front matter.
    var hasFrontMatter: Bool
    /// The Markdown after the front matter.
    var body: String
    /// The line of the file the body starts on.
    var bodyLine: Int

    /// Splits `text`. A file with front matter starts with a `---` line and ends it with
    /// another `---` (or `...`) line.
    ///
    /// - Throws: a ``Diagnostic`` when the front matter is never closed.
    init(_ text: String, file: String) throws {
        var text = text
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let lines = LineScanner(text)
        guard let first = lines.line(at: 0), first == "---" else {
            yaml = ""
            hasFrontMatter = false
            body = text
            bodyLine = 1
            return
        }
        var number = 1
        var closing: (start: String.Index, end: String.Index)?
        var cursor = lines.next(after: lines.start)
        while let start = cursor {
            let end = lines.endOfLine(from: start)
            let line = lines.trimmed(start, end)
            number += 1
            if line == "---" || line == "..." {
                closing = (start, end)
                break
            }
            cursor = lines.next(after: start)
        }
        guard let closing else {
            throw Diagnostic(file: file, line: 1, "front matter is not closed: add a line '---' after it")
        }
        let yamlStart = lines.next(after: lines.start) ?? closing.start
        yaml = String(text[yamlStart..<closing.start])
        hasFrontMatter = true
        let bodyStart = closing.end < text.endIndex ? text.index(after: closing.end) : text.endIndex
        body = String(text[bodyStart...])
        bodyLine = number + 1
    }
}

/// Line-by-line access to a string without splitting it into an array.
struct LineScanner {
    let text: String
    var start: String.Index { text.startIndex }

    init(_ text: String) { self.text = text }

    /// The index of the `\n` ending the line that starts at `start`, or the end of the text.
    func endOfLine(from start: String.Index) -> String.Index {
        text.utf8[start...].firstIndex(of: 0x0A) ?? text.endIndex
    }

    /// The start of the line after the one starting at `start`, or nil at the last line.
    func next(after start: String.Index) -> String.Index? {
        let end = endOfLine(from: start)
        return end < text.endIndex ? text.utf8.index(after: end) : nil
    }

    /// The line without a trailing `\r` and surrounding spaces.
    func trimmed(_ start: String.Index, _ end: String.Index) -> Substring {
        var line = text[start..<end]
        while let last = line.utf8.last, last == 0x0D || last == 0x20 || last == 0x09 { line = line.dropLast() }
        while let first = line.utf8.first, first == 0x20 || first == 0x09 { line = line.dropFirst() }
        return line
    }

    /// Line number `index` (from 0), trimmed.
    func line(at index: Int) -> Substring? {
        var cursor: String.Index? = start
        for _ in 0..<index { cursor = cursor.flatMap(next(after:)) }
        guard let cursor else { return nil }
        return trimmed(cursor, endOfLine(from: cursor))
    }

    /// The index where line number `index` (from 0) starts, or the end of the text.
    func startOfLine(_ index: Int) -> String.Index {
        var cursor = start
        for _ in 0..<index {
            guard let next = next(after: cursor) else { return text.endIndex }
            cursor = next
        }
        return cursor
    }

    /// The number of the first line (from 0) whose trimmed text is `content`.
    func firstLine(equalTo content: String) -> Int? {
        var number = 0
        var cursor: String.Index? = start
        while let lineStart = cursor {
            if trimmed(lineStart, endOfLine(from: lineStart)) == content { return number }
            number += 1
            cursor = next(after: lineStart)
        }
        return nil
    }
}
