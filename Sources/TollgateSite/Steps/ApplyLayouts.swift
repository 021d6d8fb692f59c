import Foundation

extension BuildStep {
    /// Step 6: every page through its layout, written to the staging folder on every core.
    static let applyLayouts = BuildStep(name: "apply layouts") { context in
        let staging = try OutputFolder.staging(for: context.options.output)
        context.staging = staging.url
        context.written = staging.written
        let content = context.content
        let published = context.published
        let pages = PageContexts(
            config: context.config, strings: context.strings, content: content,
            published: published, courseBodies: context.courseBodies)
        let theme = context.theme!.folding(pages.templateConstants)
        let outlines = parallelMap(Array(content.courses.indices)) { index in
            CourseOutline(
                html: theme.render("partials/outline", pages.outlineContext(course: index)),
                chapterURLs: content.courses[index].chapterIndices.map { ($0, content.chapters[$0].urlPath) })
        }

        // Pages are checked for premium text as they are written, while they are in memory;
        // the verify step checks every other file.
        let scanner = LeakScanner(fingerprints: context.fingerprints)
        // A course's outline is the same on each of its chapter pages: it is checked once
        // (a leak is reported for every page it is on). Chapter pages are rendered and checked
        // with placeholders for it and for the sealed payload (ciphertext), then filled.
        let outlineLeaks = outlines.map { scanner.leaks(inPage: $0.html) }
        let placeholder = PagePlaceholder()

        // Listing pages first: a tag page can list thousands of chapters, and starting the
        // largest pages first keeps every core busy to the end.
        let jobs: [PageJob] =
            pages.tags.indices.map(PageJob.tag) + [.tagsIndex, .catalog]
            + content.courses.indices.map(PageJob.course) + content.chapters.indices.map(PageJob.chapter) + [.notFound]
        let results: [(path: String, leaks: Set<LeakKey>, failure: Diagnostic?)] = parallelMap(jobs) { job in
            let (template, values, path): (String, [String: Any], String)
            switch job {
            case .chapter(let index):
                path = content.chapters[index].outputFolder + "/index.html"
                (template, values) = ("chapter", pages.chapter(index, outline: placeholder.outline, payload: placeholder.sealedPayload))
            case .catalog: (template, values, path) = ("catalog", pages.catalog(), "index.html")
            case .course(let index):
                (template, values, path) = ("course", pages.course(index, outline: outlines[index].html), content.courses[index].outputFolder + "/index.html")
            case .tagsIndex: (template, values, path) = ("tags", pages.tagsIndex(), "tags/index.html")
            case .tag(let index): (template, values, path) = ("tag", pages.tag(pages.tags[index]), "tags/\(pages.tags[index].slug)/index.html")
            case .notFound: (template, values, path) = ("404", pages.notFound(), "404.html")
            }
            var html = theme.render(template, values)
            var found = scanner.leaks(inPage: html)
            if case .chapter(let index) = job {
                let course = content.chapters[index].courseIndex
                found.formUnion(outlineLeaks[course])
                var replacements = [(placeholder.outline, outlines[course].marking(chapter: index))]
                if let sealed = published[index].sealed { replacements.append((placeholder.sealedPayload, [sealed.json[...]])) }
                html = PagePlaceholder.fill(html, with: replacements)
            }
            do {
                try staging.write(html, to: path)
                return (path, found, nil)
            } catch let diagnostic as Diagnostic {
                return (path, [], diagnostic)
            } catch {
                return (path, [], Diagnostic(file: path, "\(error)"))
            }
        }
        let failures = results.compactMap(\.failure)
        if !failures.isEmpty { throw DiagnosticList(items: failures) }
        var leaks = LeakReport(folder: staging.url, label: context.options.output.lastPathComponent)
        for result in results { leaks.add(result.leaks, path: result.path) }
        context.pageLeaks = leaks
        context.scannedFiles.formUnion(results.map(\.path))
        context.tagURLs = pages.tags.map(\.url)
        context.pages = results.count
        context.files = results.count
        return Format.count(results.count, "page")
    }
}

/// One page the layouts step writes.
private enum PageJob: Sendable {
    case catalog, tagsIndex, notFound
    case course(Int)
    case chapter(Int)
    case tag(Int)
}
