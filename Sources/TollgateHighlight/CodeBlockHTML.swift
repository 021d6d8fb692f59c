/// The HTML of a code block: `figure.code` › optional `figcaption` › `pre` › `code` › one
/// `span.line` per line.
///
/// The language label is the `pre`'s `data-lang` (the theme shows it above the code); line
/// numbers are CSS counters on `.numbered`, so copying the code never copies them; a
/// highlighted line is `span.line.hl-line`.
struct CodeBlockHTML {
    /// The label above the code ("Swift", "Text"); nil for none.
    var label: String?
    /// The language as the fence wrote it, for the `language-…` class of `code`.
    var language: String
    var title: String?
    var highlightedLines: Set<Int>
    var lineNumbers: Bool

    /// The block around `lines`, each already HTML (escaped text and spans).
    func render<Lines: Sequence<Substring>>(lines: Lines) -> String {
        var html = "<figure class=\"code\">"
        if let title { html += "<figcaption class=\"code-title\">\(Self.escape(title))</figcaption>" }
        html += "<pre class=\"code-block\(lineNumbers ? " numbered" : "")\""
        if let label { html += " data-lang=\"\(Self.escape(label))\"" }
        html += "><code"
        if !language.isEmpty { html += " class=\"language-\(Self.escape(language))\"" }
        html += ">"
        for (index, line) in lines.enumerated() {
            if index > 0 { html += "\n" }
            html += highlightedLines.contains(index + 1) ? "<span class=\"line hl-line\">" : "<span class=\"line\">"
            html += line
            html += "</span>"
        }
        return html + "</code></pre></figure>\n"
    }

    /// `text` escaped for element content and quoted attributes.
    static func escape<Text: StringProtocol>(_ text: Text) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }
}
