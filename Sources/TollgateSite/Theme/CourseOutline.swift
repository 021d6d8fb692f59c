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
        let bytes = Array(html.utf8)
        var marks: [Int: Int] = [:]
        for (index, url) in chapterURLs {
            let pattern = Array("href=\"\(HTMLAttribute.escape(url))\"".utf8)
            if let start = Self.firstOffset(of: pattern, in: bytes) { marks[index] = start + pattern.count }
        }
        self.marks = marks
    }

    /// What a chapter page is rendered with in place of its outline, replaced afterwards.
    static let placeholder = "<!--tollgate:outline-->"
    private static let placeholderBytes = Array(placeholder.utf8)

    /// `page` with its first placeholder replaced by `outline`.
    static func insert(_ outline: String, into page: String) -> String {
        guard let offset = page.utf8.withContiguousStorageIfAvailable({ firstOffset(of: placeholderBytes, in: $0) }) ?? firstOffset(of: placeholderBytes, in: Array(page.utf8))
        else { return page }
        let start = page.utf8.index(page.utf8.startIndex, offsetBy: offset)
        let end = page.utf8.index(start, offsetBy: placeholderBytes.count)
        return String(page[..<start]) + outline + String(page[end...])
    }

    /// The outline with chapter `index`'s link marked as the current page.
    func marking(chapter index: Int) -> String {
        guard let offset = marks[index] else { return html }
        let cut = html.utf8.index(html.utf8.startIndex, offsetBy: offset)
        return String(html[..<cut]) + " aria-current=\"page\"" + String(html[cut...])
    }

    private static func firstOffset<Bytes: RandomAccessCollection>(of pattern: [UInt8], in bytes: Bytes) -> Int? where Bytes.Element == UInt8, Bytes.Index == Int {
        guard let first = pattern.first, pattern.count <= bytes.count else { return nil }
        var index = bytes.startIndex
        let last = bytes.endIndex - pattern.count
        while index <= last {
            if bytes[index] == first, bytes[index..<(index + pattern.count)].elementsEqual(pattern) { return index - bytes.startIndex }
            index += 1
        }
        return nil
    }
}

/// Mustache's escaping of `{{value}}` in attributes, to find what a template wrote.
enum HTMLAttribute {
    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }
}
