import Foundation
import TollgateCrypto
import TollgateMarkdown

/// Builds the Mustache contexts of every page (see docs/authoring.md, "Layout variables").
///
/// Everything shared between pages (course cards, chapter references, outlines) is built
/// once; page contexts are assembled from them.
struct PageContexts: Sendable {
    let config: SiteConfig
    let strings: StringsTable
    let content: SiteContent
    let published: [PublishedChapter]
    let courseBodies: [String]
    let tags: [TagIndexEntry]

    /// The text values of `site` (``siteValues`` has them and `has_copyright`).
    private let siteText: [String: String]
    private let siteValues: SendableDictionary
    /// The strings table (`t`).
    private let stringValues: SendableDictionary
    private let courseCards: [SendableDictionary]
    private let chapterRefs: [SendableDictionary]
    private let origin: String
    /// Premium tiers that sell one course on its own: tier id → the course's index.
    private let soloCourses: [String: Int]

    struct TagIndexEntry: Sendable {
        var name: String
        var slug: String
        var url: String
        var courses: [Int]
        var chapters: [Int]
    }

    init(config: SiteConfig, strings: StringsTable, content: SiteContent, published: [PublishedChapter], courseBodies: [String]) {
        self.config = config
        self.strings = strings
        self.content = content
        self.published = published
        self.courseBodies = courseBodies
        origin = config.origin
        stringValues = SendableDictionary(strings.values)
        let base = config.basePath
        siteText = [
            "title": config.title, "description": config.description, "language": config.language,
            "base_url": config.baseURL, "home": base + "/", "assets": base + "/assets",
            "feed": base + "/feed.xml", "tags_url": base + "/tags/", "author": config.author,
            "copyright": config.copyright, "help_url": base + "/" + HelpPage.slug + "/",
        ]
        var site: [String: Any] = siteText
        site["has_copyright"] = !config.copyright.isEmpty
        siteValues = SendableDictionary(site)

        // Tags: one page each, by slug; the first spelling seen names the tag.
        var tagsBySlug: [String: TagIndexEntry] = [:]
        func tag(_ name: String) -> String {
            let slug = Slug.make(name)
            if tagsBySlug[slug] == nil {
                tagsBySlug[slug] = TagIndexEntry(name: name, slug: slug, url: base + "/tags/" + Slug.encode(slug) + "/", courses: [], chapters: [])
            }
            return slug
        }
        for (index, course) in content.courses.enumerated() {
            for name in course.tags where !Slug.make(name).isEmpty { tagsBySlug[tag(name)]!.courses.append(index) }
        }
        for (index, chapter) in content.chapters.enumerated() {
            for name in chapter.tags where !Slug.make(name).isEmpty { tagsBySlug[tag(name)]!.chapters.append(index) }
        }
        tags = tagsBySlug.values.sorted { $0.slug < $1.slug }
        soloCourses = Self.soloCourses(in: content)
        let tagURLs = Dictionary(uniqueKeysWithValues: tags.map { ($0.slug, $0.url) })
        func tagRefs(_ names: [String]) -> [[String: Any]] {
            var seen: Set<String> = []
            return names.compactMap { name in
                let slug = Slug.make(name)
                guard let url = tagURLs[slug], seen.insert(slug).inserted else { return nil }
                return ["name": name, "url": url]
            }
        }

        courseCards = content.courses.map { course in
            let refs = tagRefs(course.tags)
            return SendableDictionary([
                "title": course.title, "url": course.urlPath, "summary": course.summary, "tags": refs,
                "has_tags": !refs.isEmpty, "chapter_count": course.chapterIndices.count,
                "tier": Self.tierRef(course.tier),
                "is_free": course.chapterIndices.allSatisfy { !content.chapters[$0].isLocked && content.chapters[$0].tier.isFree },
            ])
        }
        chapterRefs = content.chapters.map { chapter in
            let refs = tagRefs(chapter.tags)
            return SendableDictionary([
                "title": chapter.title, "url": chapter.urlPath, "summary": chapter.summary ?? "",
                "tier": Self.tierRef(chapter.tier), "is_locked": chapter.isLocked,
                "is_free_preview": chapter.freePreview && !chapter.tier.isFree,
                "date": chapter.date?.iso ?? "", "date_display": chapter.date.map { DateStyle.display($0, language: config.language) } ?? "",
                "has_date": chapter.date != nil, "course_title": content.courses[chapter.courseIndex].title,
                "number": chapter.number, "tags": refs, "has_tags": !refs.isEmpty,
            ])
        }
    }

    /// The text every page's context has under `t` and `site`, for ``Theme/folding(_:)``.
    ///
    /// Folding relies on these two keys being found at the root of every context: no object
    /// a page puts in its context, at any depth, has a key named `t` or `site`.
    var templateConstants: [String: [String: String]] { ["t": strings.values, "site": siteText] }

    // MARK: Shapes

    static func tierRef(_ tier: Tier) -> [String: Any] {
        [
            "id": tier.id, "name": tier.name, "is_free": tier.isFree, "is_premium": !tier.isFree,
            "checkout_url": tier.checkoutURL ?? "", "has_checkout": tier.checkoutURL != nil,
        ]
    }

    func courseCard(_ index: Int) -> [String: Any] { courseCards[index].value }

    /// Premium tiers that one course alone uses (its own tier, set on the course, and no
    /// chapter of another course has it): such a tier sells that course on its own.
    static func soloCourses(in content: SiteContent) -> [String: Int] {
        var courses: [String: Set<Int>] = [:]
        for (index, course) in content.courses.enumerated() where !course.tier.isFree { courses[course.tier.id, default: []].insert(index) }
        for chapter in content.chapters where !chapter.tier.isFree { courses[chapter.tier.id, default: []].insert(chapter.courseIndex) }
        var solo: [String: Int] = [:]
        for (index, course) in content.courses.enumerated() where !course.tier.isFree && courses[course.tier.id] == [index] {
            solo[course.tier.id] = index
        }
        return solo
    }

    func chapterRef(_ index: Int?) -> Any {
        guard let index else { return false }
        return chapterRefs[index].value
    }

    /// The parts and loose chapters of a course, in order.
    func sections(course index: Int) -> [[String: Any]] {
        content.courses[index].sections.map { section in
            [
                "is_part": section.part != nil, "title": section.part?.title ?? "",
                "id": section.part.map { Part.anchor($0.slug) } ?? "", "chapters": section.chapterIndices.map { chapterRefs[$0].value },
            ]
        }
    }

    /// The outline context of a course (for `partials/outline`).
    func outlineContext(course index: Int) -> [String: Any] {
        ["course": courseCard(index), "sections": sections(course: index), "t": stringValues.value, "site": siteValues.value]
    }

    /// The context every page has, merged with `values`.
    func page(
        kind: String, title: String, description: String, url: String, breadcrumbs: [(String, String)],
        values: [String: Any]
    ) -> [String: Any] {
        // Shared parts (cards, chapter references, site, strings) are wrapped once, in
        // `init`; the values made for this page are wrapped here.
        var context = values.mapValues { value in (value as? String).map(TemplateText.init) ?? value }
        context["site"] = siteValues.value
        context["t"] = stringValues.value
        let crumbs: [[String: Any]] = breadcrumbs.enumerated().map { index, crumb in
            ["title": crumb.0, "url": crumb.1, "is_current": index == breadcrumbs.count - 1]
        }
        context["breadcrumbs"] = TemplateText.wrapping(crumbs)
        context["has_breadcrumbs"] = !crumbs.isEmpty
        var page: [String: Any] = [
            "title": title, "description": description, "url": url, "permalink": origin + url,
            "og_type": kind == "chapter" ? "article" : "website", "kind": kind,
        ]
        for candidate in ["catalog", "course", "chapter", "tag", "tags", "404", HelpPage.kind] { page["is_\(candidate)"] = candidate == kind }
        context["page"] = TemplateText.wrapping(page)
        return context
    }

    var home: (String, String) { (strings["home"], config.basePath + "/") }

    // MARK: Pages

    func catalog() -> [String: Any] {
        let cards = content.courses.indices.map(courseCard)
        return page(
            kind: "catalog", title: config.title, description: config.description, url: config.basePath + "/",
            breadcrumbs: [], values: ["courses": cards, "has_courses": !cards.isEmpty])
    }

    func course(_ index: Int, outline: String) -> [String: Any] {
        let course = content.courses[index]
        var card = courseCard(index)
        card["content"] = TemplateText(courseBodies[index])
        card["first_chapter"] = chapterRef(course.chapterIndices.first)
        let related = relatedCourses(of: index).map(courseCard)
        return page(
            kind: "course", title: course.title, description: course.summary.isEmpty ? Self.excerpt(courseBodies[index]) : course.summary,
            url: course.urlPath, breadcrumbs: [home, (course.title, course.urlPath)],
            values: [
                "course": card, "outline": outline, "sections": sections(course: index), "related": related,
                "has_related": !related.isEmpty,
            ])
    }

    /// - Parameters:
    ///   - outline: the course outline with this chapter marked as current.
    ///   - payload: the page's sealed payload; its JSON when nil.
    func chapter(_ index: Int, outline: String, payload: String? = nil) -> [String: Any] {
        let chapter = content.chapters[index]
        let course = content.courses[chapter.courseIndex]
        let published = published[index]
        var ref = chapterRefs[index].value
        ref["content"] = TemplateText(published.html)
        let toc: [[String: Any]] = published.headings.filter { (2...3).contains($0.level) }.map {
            ["level": $0.level, "id": TemplateText($0.id), "title": TemplateText($0.text)]
        }
        ref["toc"] = toc
        ref["has_toc"] = !toc.isEmpty
        let position = course.chapterIndices.firstIndex(of: index)!
        let previous = position > 0 ? course.chapterIndices[position - 1] : nil
        let next = position + 1 < course.chapterIndices.count ? course.chapterIndices[position + 1] : nil
        var locked: Any = false
        var sealed: Any = false
        if let sealedChapter = published.sealed {
            sealed = TemplateText.wrapping(["payload": payload ?? sealedChapter.json, "script": config.basePath + "/assets/" + UnlockModule.script])
        }
        if published.isLocked {
            let soldAlone = soloCourses[chapter.tier.id] == chapter.courseIndex && chapter.tier.checkoutURL != nil
            let buyTiers = ([chapter.tier] + config.tiers.readers(of: chapter.tier).filter { $0.id != chapter.tier.id })
                .filter { $0.checkoutURL != nil }
                .map { tier in Self.tierRef(tier).merging(["is_this_course": soldAlone && tier.id == chapter.tier.id]) { $1 } }
            locked = TemplateText.wrapping(
                ["tier": Self.tierRef(chapter.tier), "buy_tiers": buyTiers, "has_buy_tiers": !buyTiers.isEmpty, "sold_alone": soldAlone] as [String: Any])
        }
        var crumbs = [home, (course.title, course.urlPath)]
        if let part = chapter.partTitle { crumbs.append((part, course.urlPath + "#" + (course.sections.first { $0.chapterIndices.contains(index) }?.part?.slug).map { Slug.encode(Part.anchor($0)) }!)) }
        crumbs.append((chapter.title, chapter.urlPath))
        return page(
            kind: "chapter", title: chapter.title, description: chapter.summary ?? Self.excerpt(published.html),
            url: chapter.urlPath, breadcrumbs: crumbs,
            values: [
                "course": courseCard(chapter.courseIndex), "part": chapter.partTitle.map { ["title": $0] as [String: Any] } ?? false,
                "chapter": ref, "outline": outline, "prev": chapterRef(previous), "next": chapterRef(next), "locked": locked,
                "sealed": sealed,
            ])
    }

    func tagsIndex() -> [String: Any] {
        let entries: [[String: Any]] = tags.map { ["name": $0.name, "url": $0.url, "count": $0.courses.count + $0.chapters.count] }
        let url = config.basePath + "/tags/"
        return page(kind: "tags", title: strings["tags"], description: config.description, url: url, breadcrumbs: [home, (strings["tags"], url)], values: ["tags": entries])
    }

    func tag(_ entry: TagIndexEntry) -> [String: Any] {
        let courses = entry.courses.map(courseCard)
        let chapters = entry.chapters.map { chapterRefs[$0].value }
        let value: [String: Any] = [
            "name": entry.name, "url": entry.url, "courses": courses, "has_courses": !courses.isEmpty,
            "chapters": chapters, "has_chapters": !chapters.isEmpty,
        ]
        return page(
            kind: "tag", title: "\(strings["tagged"]) \(entry.name)", description: config.description, url: entry.url,
            breadcrumbs: [home, (strings["tags"], config.basePath + "/tags/"), (entry.name, entry.url)], values: ["tag": value])
    }

    func notFound() -> [String: Any] {
        page(kind: "404", title: strings["not_found_title"], description: config.description, url: config.basePath + "/404.html", breadcrumbs: [], values: [:])
    }

    /// Up to three other courses sharing the most tags, then by catalog order.
    func relatedCourses(of index: Int) -> [Int] {
        let own = Set(content.courses[index].tags.map { Slug.make($0) })
        guard !own.isEmpty else { return [] }
        return content.courses.indices
            .filter { $0 != index }
            .map { ($0, Set(content.courses[$0].tags.map { Slug.make($0) }).intersection(own).count) }
            .filter { $0.1 > 0 }
            .sorted { ($1.1, $0.0) < ($0.1, $1.0) }
            .prefix(3)
            .map(\.0)
    }

    /// The first paragraph of `html` as plain text, shortened to about 160 characters.
    static func excerpt(_ html: String) -> String {
        guard let open = UTF8Search.firstOffset(of: "<p>", in: html),
            let close = UTF8Search.firstOffset(of: "</p>", in: html, from: open + 3)
        else { return "" }
        let utf8 = html.utf8
        let paragraph = html[utf8.index(utf8.startIndex, offsetBy: open + 3)..<utf8.index(utf8.startIndex, offsetBy: close)]
        return PlainText.shorten(PlainText.from(html: String(paragraph)), to: 160)
    }
}

/// A dictionary of template values shared across threads. The values are only ever
/// text (``TemplateText``), numbers, booleans and arrays or dictionaries of them, all
/// immutable.
struct SendableDictionary: @unchecked Sendable {
    let value: [String: Any]
    /// Makes every string of `value` a ``TemplateText``.
    init(_ value: [String: Any]) { self.value = TemplateText.wrapping(value) }
}
