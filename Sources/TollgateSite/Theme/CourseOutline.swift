import Foundation
import TollgateMarkdown

/// A course's outline, rendered once and marked per page.
///
/// The outline partial renders once per course; each chapter page needs it with its own link
/// marked `aria-current="page"`. The place of every chapter's `href` is found once, so marking
/// a page is a few slice copies instead of a search through the outline.
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

    /// The outline with chapter `index`'s link marked as the current page, in pieces.
    func marking(chapter index: Int) -> [Substring] {
        guard let offset = marks[index] else { return [html[...]] }
        let cut = html.utf8.index(html.utf8.startIndex, offsetBy: offset)
        return [html[..<cut], " aria-current=\"page\"", html[cut...]]
    }
}

/// Text a chapter page is rendered with in place of parts that are the same bytes on many
/// pages (the course outline) or that Tollgate made from ciphertext (the sealed payload).
///
/// The page is checked for premium text with the placeholders in it; the outline is checked
/// once per course, and the payload carries no plaintext. The parts then go in with one copy
/// of the page. Each build makes its own placeholders, so text in a chapter (raw HTML on)
/// can never be taken for one.
struct PagePlaceholder: Sendable {
    let outline: String
    let sealedPayload: String

    init() {
        let token = UUID().uuidString
        outline = "<!--tollgate:outline:\(token)-->"
        sealedPayload = "<!--tollgate:sealed:\(token)-->"
    }

    /// `page` with the first occurrence of each placeholder replaced by its parts; a
    /// placeholder the layout did not print is skipped.
    static func fill(_ page: String, with replacements: [(placeholder: String, parts: [Substring])]) -> String {
        let found = replacements.compactMap { replacement in
            UTF8Search.firstOffset(of: replacement.placeholder, in: page).map { (offset: $0, replacement) }
        }.sorted { $0.offset < $1.offset }
        guard !found.isEmpty else { return page }
        let utf8 = page.utf8
        var result = ""
        result.reserveCapacity(utf8.count + found.reduce(0) { $0 + $1.1.parts.reduce(0) { $0 + $1.utf8.count } })
        var position = utf8.startIndex
        for (offset, replacement) in found {
            let start = utf8.index(utf8.startIndex, offsetBy: offset)
            guard start >= position else { continue }
            result += page[position..<start]
            for part in replacement.parts { result += part }
            position = utf8.index(start, offsetBy: replacement.placeholder.utf8.count)
        }
        result += page[position...]
        return result
    }
}
