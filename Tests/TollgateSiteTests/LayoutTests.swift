import Foundation
import Testing
import TollgateTestSupport

@testable import TollgateSite

@Suite("Layouts")
struct LayoutTests {
    /// Runs the build up to the layouts and checks every page's context against the theme.
    func checkEveryPage(of root: URL) throws -> [String] {
        var context = BuildContext(options: BuildOptions.fixture(source: root, output: root.appendingPathComponent("_unused")))
        for step in Pipeline.steps.prefix(while: { $0.name != BuildStep.applyLayouts.name }) { _ = try step.run(&context) }
        var sources: [String: String] = [:]
        for folder in [BundledResources.themeURL, root.appendingPathComponent("layouts")] {
            for file in FixtureSite.files(in: folder) where file.hasSuffix(".mustache") {
                sources[String(file.dropLast(".mustache".count))] = try FixtureSite.read(file, in: folder)
            }
        }
        let checker = try TemplateChecker(sources: sources)
        let pages = PageContexts(
            config: context.config, strings: context.strings, content: context.content,
            published: context.published, courseBodies: context.courseBodies)
        var problems: Set<String> = []
        func check(_ template: String, _ values: [String: Any]) {
            problems.formUnion(checker.problems(rendering: template, with: values))
        }
        check("catalog", pages.catalog())
        for index in context.content.courses.indices {
            check("partials/outline", pages.outlineContext(course: index))
            check("course", pages.course(index, outline: ""))
        }
        for index in context.content.chapters.indices { check("chapter", pages.chapter(index, outline: "")) }
        check("tags", pages.tagsIndex())
        for tag in pages.tags { check("tag", pages.tag(tag)) }
        check("404", pages.notFound())
        return problems.sorted()
    }

    @Test("every variable the theme uses resolves on every page of the example site")
    func exampleSite() throws {
        let site = try FixtureSite.exampleSite()
        defer { site.remove() }
        // The repository's layouts/ is the built-in theme itself; check it as the site sees it.
        #expect(try checkEveryPage(of: site.root) == [])
    }

    @Test("every variable the theme uses resolves on every page of the fixtures", arguments: ["valid", "cjk"])
    func fixtures(_ name: String) throws {
        let site = try FixtureSite(copying: Fixtures.valid(name))
        defer { site.remove() }
        #expect(try checkEveryPage(of: site.root) == [])
    }

    @Test("the checker notices a layout that names a missing key")
    func checkerCatchesTypos() throws {
        let site = try FixtureSite(copying: Fixtures.valid("valid"))
        defer { site.remove() }
        let layouts = site.root.appendingPathComponent("layouts/partials")
        try FileManager.default.createDirectory(at: layouts, withIntermediateDirectories: true)
        let outline = try FixtureSite.read("partials/outline.mustache", in: BundledResources.themeURL)
        try (outline + "{{#sections}}{{#chapters}}{{titel}}{{/chapters}}{{/sections}}{{site.titel}}").write(
            to: layouts.appendingPathComponent("outline.mustache"), atomically: true, encoding: .utf8)
        let problems = try checkEveryPage(of: site.root)
        #expect(problems == ["partials/outline: {{site.titel}} resolves to nothing", "partials/outline: {{titel}} resolves to nothing"])
    }

    @Test("a site's layouts/ overrides the theme file by file")
    func override() throws {
        let site = try FixtureSite(copying: Fixtures.valid("valid"))
        defer { site.remove() }
        let layouts = site.root.appendingPathComponent("layouts")
        try FileManager.default.createDirectory(at: layouts, withIntermediateDirectories: true)
        try "{{<base}}{{$main}}<p class=\"custom-404\">{{t.not_found_title}}</p>{{/main}}{{/base}}".write(
            to: layouts.appendingPathComponent("404.mustache"), atomically: true, encoding: .utf8)
        let output = site.outputFolder()
        _ = try Pipeline.build(BuildOptions.fixture(source: site.root, output: output))
        let page = try FixtureSite.read("404.html", in: output)
        #expect(page.contains("<p class=\"custom-404\">Page not found</p>"))
        #expect(page.contains("<html lang=\"en\">"), "the override lost the base layout")
    }

    @Test("layouts escape & < > \" ' in values, keep {{{raw}}} values, and text works in sections and transforms")
    func valuesRenderAsMustacheText() throws {
        let site = try FixtureSite(copying: Fixtures.valid("valid"))
        defer { site.remove() }
        let intro = site.root.appendingPathComponent("content/go/01-intro.md")
        let text = try String(contentsOf: intro, encoding: .utf8)
        try text.replacingOccurrences(of: "title: Intro", with: #"title: "Tom's <b> & \"quotes\" — ok""#)
            .write(to: intro, atomically: true, encoding: .utf8)
        let layouts = site.root.appendingPathComponent("layouts")
        try FileManager.default.createDirectory(at: layouts, withIntermediateDirectories: true)
        try """
            {{<base}}{{$main}}{{#chapter}}<p id="escaped">{{title}}</p>
            <p id="upper">{{uppercased(title)}}</p>
            <p id="section">{{#title}}has a title{{/title}}{{^title}}no title{{/title}}</p>
            <div id="raw">{{{content}}}</div>{{/chapter}}{{/main}}{{/base}}
            """.write(to: layouts.appendingPathComponent("chapter.mustache"), atomically: true, encoding: .utf8)
        let output = site.outputFolder()
        _ = try Pipeline.build(BuildOptions.fixture(source: site.root, output: output))
        let page = try FixtureSite.read("go/intro/index.html", in: output)
        #expect(page.contains(#"<p id="escaped">Tom&#39;s &lt;b&gt; &amp; &quot;quotes&quot; — ok</p>"#))
        #expect(page.contains(#"<p id="upper">TOM&#39;S &lt;B&gt; &amp; &quot;QUOTES&quot; — OK</p>"#))
        #expect(page.contains(#"<p id="section">has a title</p>"#))
        #expect(page.contains(#"<div id="raw"><p>"#), "{{{content}}} is the chapter's HTML, not escaped")
    }
}
