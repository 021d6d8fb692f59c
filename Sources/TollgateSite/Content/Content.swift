/// A course: a folder of `content/` with an `_index.md`.
struct Course: Sendable {
    var slug: String
    var title: String
    var summary: String
    var tier: Tier
    var weight: Int
    var tags: [String]
    var date: ContentDate?
    /// `content/<folder>/_index.md`, relative to the site folder.
    var source: String
    /// The landing text (Markdown) and the line it starts on.
    var body: String
    var bodyLine: Int
    /// The page's path under the base path, e.g. `/swift/` (percent-encoded).
    var urlPath: String
    /// The page's folder in the output, e.g. `swift`.
    var outputFolder: String
    /// The outline: loose chapters and parts, in order.
    var sections: [OutlineSection]
    /// Every chapter of the course in reading order (indices into ``SiteContent/chapters``).
    var chapterIndices: [Int]
}

/// A part of a course (a subfolder with `_index.md`), or a run of chapters outside parts.
struct OutlineSection: Sendable {
    var part: Part?
    var chapterIndices: [Int]
}

/// A part (module) of a course.
struct Part: Sendable {
    var slug: String
    var title: String
    var summary: String
    var source: String

    /// The id of the part on its course page: prefixed, so it never collides with a heading id
    /// of the course's landing text.
    static func anchor(_ slug: String) -> String { "part-" + slug }
}

/// A chapter: one Markdown file.
struct Chapter: Sendable {
    var slug: String
    var title: String
    var summary: String?
    var tier: Tier
    var freePreview: Bool
    var weight: Int
    var tags: [String]
    var date: ContentDate?
    var source: String
    var body: String
    var bodyLine: Int
    var urlPath: String
    var outputFolder: String
    var courseIndex: Int
    var partTitle: String?
    /// Position in its course, from 1.
    var number: Int

    /// True when the chapter's text is for members only (premium and not a free preview).
    var isLocked: Bool { !tier.isFree && !freePreview }
}

/// A file under `content/` that is not Markdown, copied to the site.
struct Asset: Sendable {
    /// The file's path as it is on disk (every other path of the content is in NFC).
    var source: String
    var output: String
}

/// Everything read from `content/`.
struct SiteContent: Sendable {
    var courses: [Course] = []
    var chapters: [Chapter] = []
    var assets: [Asset] = []
    /// Page paths by source path, for links written as relative `.md` paths.
    var pagesBySource: [String: String] = [:]
    /// Output paths of assets by source path (NFC).
    var assetsBySource: [String: String] = [:]
    /// Sources of draft chapters that were skipped, so links to them get a precise message.
    var skippedDrafts: Set<String> = []
}

/// A date from front matter.
struct ContentDate: Sendable, Hashable, Comparable {
    var year: Int
    var month: Int
    var day: Int

    /// `2024-01-14`.
    var iso: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    init?(_ text: String) {
        let datePart = text.prefix(10)
        let fields = datePart.split(separator: "-")
        guard datePart.count == 10, fields.count == 3,
            let year = Int(fields[0]), let month = Int(fields[1]), let day = Int(fields[2]),
            (1...12).contains(month), (1...Self.days(inMonth: month, year: year)).contains(day),
            datePart.count == text.count || text.dropFirst(10).first == "T" || text.dropFirst(10).first == " "
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    static func days(inMonth month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func < (lhs: ContentDate, rhs: ContentDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }
}
