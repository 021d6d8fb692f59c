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
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = first.dropFirst() }
        func trimmed(_ line: Substring) -> Substring {
            line.hasSuffix("\r") ? line.dropLast() : line
        }
        guard let first = lines.first, trimmed(first) == "---" else {
            yaml = ""
            hasFrontMatter = false
            body = text
            bodyLine = 1
            return
        }
        guard let end = lines.indices.dropFirst().first(where: { trimmed(lines[$0]) == "---" || trimmed(lines[$0]) == "..." }) else {
            throw Diagnostic(file: file, line: 1, "front matter is not closed: add a line '---' after it")
        }
        yaml = lines[1..<end].joined(separator: "\n")
        hasFrontMatter = true
        body = lines[(end + 1)...].joined(separator: "\n")
        bodyLine = end + 2
    }
}
