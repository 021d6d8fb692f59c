import Foundation

extension BuildStep {
    /// Step 6: every page through its layout, written to the staging folder on every core.
    static let applyLayouts = BuildStep(name: "apply layouts") { context in
        let staging = try OutputFolder.staging(for: context.options.output)
        context.staging = staging.url
        let theme = context.theme!
        let pages = PageContexts(
            config: context.config, strings: context.strings, content: context.content,
            published: context.published, courseBodies: context.courseBodies)
        let outlines = context.content.courses.indices.map { index in
            CourseOutline(
                html: theme.render("partials/outline", pages.outlineContext(course: index)),
                chapterURLs: context.content.courses[index].chapterIndices.map { ($0, context.content.chapters[$0].urlPath) })
        }

        var written = 0
        func write(_ template: String, _ values: [String: Any], to path: String) throws {
            try staging.write(theme.render(template, values), to: path)
            written += 1
        }
        try write("catalog", pages.catalog(), to: "index.html")
        for index in context.content.courses.indices {
            try write("course", pages.course(index, outline: outlines[index].html), to: context.content.courses[index].outputFolder + "/index.html")
        }
        let failures: [Diagnostic?] = parallelMap(Array(context.content.chapters.indices)) { index in
            let chapter = pages.content.chapters[index]
            do {
                let html = theme.render("chapter", pages.chapter(index, outline: outlines[chapter.courseIndex].marking(chapter: index)))
                try staging.write(html, to: chapter.outputFolder + "/index.html")
                return nil
            } catch let diagnostic as Diagnostic {
                return diagnostic
            } catch {
                return Diagnostic(file: chapter.source, "\(error)")
            }
        }
        let problems = failures.compactMap { $0 }
        if !problems.isEmpty { throw DiagnosticList(items: problems) }
        written += context.content.chapters.count
        try write("tags", pages.tagsIndex(), to: "tags/index.html")
        for tag in pages.tags {
            try write("tag", pages.tag(tag), to: "tags/\(tag.slug)/index.html")
        }
        try write("404", pages.notFound(), to: "404.html")
        context.tagURLs = pages.tags.map(\.url)
        context.pages = written
        context.files = written
        return Format.count(written, "page")
    }
}
