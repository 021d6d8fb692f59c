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

        // Pages are checked for premium text as they are written, while they are in memory;
        // the verify step checks every other file.
        let fingerprints = context.fingerprints
        let sources = context.content.chapters.map(\.source)
        let label = context.options.output.lastPathComponent
        @Sendable func leaks(in html: String, path: String) -> [Diagnostic] {
            fingerprints.leaks(in: html).sorted().map { LeakScanner.diagnostic(file: "\(label)/\(path)", source: sources[$0]) }
        }
        var written = 0
        var pageLeaks: [Diagnostic] = []
        func write(_ template: String, _ values: [String: Any], to path: String) throws {
            let html = theme.render(template, values)
            pageLeaks += leaks(in: html, path: path)
            try staging.write(html, to: path)
            context.scannedFiles.insert(path)
            written += 1
        }
        try write("catalog", pages.catalog(), to: "index.html")
        for index in context.content.courses.indices {
            try write("course", pages.course(index, outline: outlines[index].html), to: context.content.courses[index].outputFolder + "/index.html")
        }
        // A course's outline is the same on each of its chapter pages: it is checked once
        // (a leak is reported for every page it is on), and pages are rendered and checked
        // with a placeholder that is then replaced.
        for (index, outline) in outlines.enumerated() {
            let found = fingerprints.leaks(in: outline.html).sorted()
            guard !found.isEmpty else { continue }
            for chapter in context.content.courses[index].chapterIndices {
                let path = context.content.chapters[chapter].outputFolder + "/index.html"
                pageLeaks += found.map { LeakScanner.diagnostic(file: "\(label)/\(path)", source: sources[$0]) }
            }
        }
        let results: [(leaks: [Diagnostic], failure: Diagnostic?)] = parallelMap(Array(context.content.chapters.indices)) { index in
            let chapter = pages.content.chapters[index]
            let path = chapter.outputFolder + "/index.html"
            let html = theme.render("chapter", pages.chapter(index, outline: CourseOutline.placeholder))
            let found = leaks(in: html, path: path)
            do {
                try staging.write(CourseOutline.insert(outlines[chapter.courseIndex].marking(chapter: index), into: html), to: path)
                return (found, nil)
            } catch let diagnostic as Diagnostic {
                return ([], diagnostic)
            } catch {
                return ([], Diagnostic(file: chapter.source, "\(error)"))
            }
        }
        let failures = results.compactMap(\.failure)
        if !failures.isEmpty { throw DiagnosticList(items: failures) }
        pageLeaks += results.flatMap(\.leaks)
        for chapter in context.content.chapters { context.scannedFiles.insert(chapter.outputFolder + "/index.html") }
        written += context.content.chapters.count
        try write("tags", pages.tagsIndex(), to: "tags/index.html")
        for tag in pages.tags {
            try write("tag", pages.tag(tag), to: "tags/\(tag.slug)/index.html")
        }
        try write("404", pages.notFound(), to: "404.html")
        context.pageLeaks = pageLeaks
        context.tagURLs = pages.tags.map(\.url)
        context.pages = written
        context.files = written
        return Format.count(written, "page")
    }
}
