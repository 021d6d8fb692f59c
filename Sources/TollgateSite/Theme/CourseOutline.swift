import TollgateMarkdown

/// A course's outline, rendered once and marked per page.
///
/// The outline partial renders once per course; each chapter page needs it with its own link
/// marked `aria-current="page"`. The place of every chapter's `href` is found once, so marking
/// a page is two string copies instead of a search through the outline.
struct CourseOutline: Sendable {
    let html: String
    /// UTF-8 offset just after `href="<url>"`, by chapter index.
    private let marks: [Int: Int]

    init(html: String, chapterURLs: [(index: Int, url: String)]) {
        self.html = html
        var marks: [Int: Int] = [:]
        for (index, url) in chapterURLs {
            let pattern = "href=\"\(HTMLEscaping.attribute(url))\""
            if let start = UTF8Search.firstOffset(of: pattern, in: html) { marks[index] = start + pattern.utf8.count }
        }
        self.marks = marks
    }

    /// What a chapter page is rendered with in place of its outline, replaced afterwards.
    static let placeholder = "<!--tollgate:outline-->"
    /// `page` with its first placeholder replaced by `outline`.
    static func insert(_ outline: String, into page: String) -> String {
        guard let offset = UTF8Search.firstOffset(of: placeholder, in: page) else { return page }
        let start = page.utf8.index(page.utf8.startIndex, offsetBy: offset)
        let end = page.utf8.index(start, offsetBy: placeholder.utf8.count)
        return String(page[..<start]) + outline + String(page[end...])
    }

    /// The outline with chapter `index`'s link marked as the current page.
    func marking(chapter index: Int) -> String {
        guard let offset = marks[index] else { return html }
        let cut = html.utf8.index(html.utf8.startIndex, offsetBy: offset)
        return String(html[..<cut]) + " aria-current=\"page\"" + String(html[cut...])
    }
}
