import TollgateYAML
import Foundation

/// The fields of a Markdown file's front matter, read strictly.
struct FrontMatter: Sendable {
    enum Kind: Sendable {
        case course, part, chapter

        var allowedKeys: [String] {
            switch self {
            case .course: ["title", "summary", "tier", "weight", "tags", "date", "draft", "slug"]
            case .part: ["title", "summary", "tier", "weight", "draft", "slug"]
            case .chapter: ["title", "summary", "tier", "weight", "tags", "date", "draft", "free_preview", "slug"]
            }
        }
    }

    var title: String
    var summary: String?
    var tier: String?
    var weight: Int
    var tags: [String]
    var date: ContentDate?
    var draft: Bool
    var freePreview: Bool
    var slug: String?
    var body: String
    var bodyLine: Int

    /// Reads a whole Markdown file of the given kind.
    ///
    /// - Throws: ``DiagnosticList`` with every problem of its front matter.
    init(file: String, text: String, kind: Kind, tierIDs: [String]) throws {
        let document = try FrontMatterDocument(text, file: file)
        guard document.hasFrontMatter else {
            throw Diagnostic(file: file, line: 1, "missing front matter: start the file with a '---' line, a 'title:' line and another '---' line")
        }
        let yaml = try YAMLObject.parse(document.yaml, file: file, lineOffset: 1, what: "front matter")
        yaml.rejectUnknownKeys(allowed: kind.allowedKeys)
        let title = yaml.string("title") ?? ""
        if title.trimmingCharacters(in: .whitespaces).isEmpty { yaml.report("'title' is required in front matter") }
        let dateText = yaml.string("date")
        let date = dateText.flatMap(ContentDate.init)
        if let dateText, date == nil {
            yaml.report(at: "date", "'date' must look like 2026-03-14, not '\(dateText)'")
        }
        let slug = yaml.string("slug")?.nfc
        if let slug, Slug.make(slug) != slug || slug.isEmpty {
            yaml.report(at: "slug", "'slug' may use only lowercase letters, digits and single '-' between them (try '\(Slug.make(slug))')")
        }
        self.title = title
        summary = yaml.string("summary")
        tier = yaml.string("tier")
        if let tier, !tierIDs.contains(tier) {
            yaml.report(at: "tier", "unknown tier '\(tier)'\(Suggestion.hint(for: tier, in: tierIDs)); the tiers of site.yml are: \(tierIDs.joined(separator: ", "))")
        }
        weight = yaml.int("weight") ?? 0
        tags = yaml.strings("tags") ?? []
        self.date = date
        draft = yaml.bool("draft") ?? false
        freePreview = yaml.bool("free_preview") ?? false
        self.slug = slug
        body = document.body
        bodyLine = document.bodyLine
        let problems = yaml.allProblems
        if !problems.isEmpty { throw DiagnosticList(items: problems) }
    }
}
