import TollgateMarkdown

/// `sitemap.xml`, `feed.xml` (Atom) and `robots.txt`: public pages only, teasers only.
struct Feeds {
    let config: SiteConfig
    let strings: StringsTable
    let content: SiteContent
    let published: [PublishedChapter]
    let tagURLs: [String]

    private var origin: String { config.origin }

    /// Every page of the site, with the chapter's date as `lastmod` when it has one.
    func sitemap() -> String {
        var lines = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"]
        func add(_ path: String, _ date: ContentDate? = nil) {
            var entry = "  <url><loc>\(HTMLEscaping.text(origin + path))</loc>"
            if let date { entry += "<lastmod>\(date.iso)</lastmod>" }
            lines.append(entry + "</url>")
        }
        add(config.basePath + "/")
        for course in content.courses {
            add(course.urlPath, course.date)
            for index in course.chapterIndices { add(content.chapters[index].urlPath, content.chapters[index].date) }
        }
        add(config.basePath + "/tags/")
        tagURLs.forEach { add($0) }
        lines.append("</urlset>")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The newest dated chapters (up to `feed_limit`); a locked chapter carries its teaser only.
    func atom() -> String {
        let dated = content.chapters.indices.filter { content.chapters[$0].date != nil }
            .sorted { (content.chapters[$1].date!, content.chapters[$0].source) < (content.chapters[$0].date!, content.chapters[$1].source) }
            .prefix(config.feedLimit)
        let newest = dated.first.flatMap { content.chapters[$0].date }
            ?? content.courses.compactMap(\.date).max()
        let updated = newest.map { "\($0.iso)T00:00:00Z" } ?? "2000-01-01T00:00:00Z"
        var lines = [
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>",
            "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"\(config.language)\">",
            "  <title>\(HTMLEscaping.text(config.title))</title>",
        ]
        if !config.description.isEmpty { lines.append("  <subtitle>\(HTMLEscaping.text(config.description))</subtitle>") }
        lines += [
            "  <link href=\"\(HTMLEscaping.attribute(config.baseURL))/feed.xml\" rel=\"self\" type=\"application/atom+xml\"/>",
            "  <link href=\"\(HTMLEscaping.attribute(config.baseURL))/\" rel=\"alternate\" type=\"text/html\"/>",
            "  <id>\(HTMLEscaping.text(config.baseURL))/</id>",
            "  <updated>\(updated)</updated>",
        ]
        if !config.author.isEmpty { lines.append("  <author><name>\(HTMLEscaping.text(config.author))</name></author>") }
        lines.append("  <generator>Tollgate</generator>")
        for index in dated {
            let chapter = content.chapters[index]
            let course = content.courses[chapter.courseIndex]
            let permalink = origin + chapter.urlPath
            var html = published[index].html
            if published[index].isLocked {
                html += "<p><a href=\"\(HTMLEscaping.attribute(permalink))\">\(HTMLEscaping.text(strings["feed_continue"])) (\(HTMLEscaping.text(chapter.tier.name)))</a></p>"
            }
            lines += [
                "  <entry>",
                "    <title>\(HTMLEscaping.text(chapter.title))</title>",
                "    <link href=\"\(HTMLEscaping.attribute(permalink))\" rel=\"alternate\" type=\"text/html\"/>",
                "    <id>\(HTMLEscaping.text(permalink))</id>",
                "    <updated>\(chapter.date!.iso)T00:00:00Z</updated>",
                "    <category term=\"\(HTMLEscaping.attribute(course.title))\"/>",
            ]
            if let summary = chapter.summary { lines.append("    <summary>\(HTMLEscaping.text(summary))</summary>") }
            lines += ["    <content type=\"html\">\(HTMLEscaping.text(html))</content>", "  </entry>"]
        }
        lines.append("</feed>")
        return lines.joined(separator: "\n") + "\n"
    }

    func robots() -> String {
        "User-agent: *\nAllow: /\n\nSitemap: \(config.baseURL)/sitemap.xml\n"
    }
}
