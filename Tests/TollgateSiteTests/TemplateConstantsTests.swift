import Foundation
import Testing
import TollgateTestSupport

@testable import TollgateSite

@Suite("Template constants")
struct TemplateConstantsTests {
    let constants = ["t": ["next": "Next", "amp": "Q&A <b>", "blank": "  ", "brace": "a{", "empty": ""], "site": ["title": "Site"]]

    @Test("{{t.key}} and {{site.key}} become their escaped text; {{{…}}} and {{&…}} their raw text")
    func folds() {
        #expect(TemplateConstants.fold("<a>{{t.next}}</a> {{ site.title }}", constants: constants) == "<a>Next</a> Site")
        #expect(TemplateConstants.fold("{{t.amp}}|{{{t.amp}}}|{{& t.amp}}", constants: constants) == "Q&amp;A &lt;b&gt;|Q&A <b>|Q&A <b>")
        #expect(TemplateConstants.fold("no tags at all", constants: constants) == "no tags at all")
    }

    @Test("sections, comments, partials, transforms, unknown keys and unsafe values keep their tags", arguments: [
        "{{#t.next}}x{{/t.next}}", "{{^site.title}}x{{/site.title}}", "{{! t.next }}", "{{> t.next}}", "{{$t.next}}{{/t.next}}",
        "{{uppercased(t.next)}}", "{{t.missing}}", "{{page.title}}", "{{.t.next}}", "{{t.next.more}}", "{{t}}",
        "{{t.blank}}", "{{t.empty}}", "{{t.brace}}", "{{{t.next}}", "{{t.next", "{{! comment {{t.next}}",
    ])
    func keeps(_ text: String) {
        #expect(TemplateConstants.fold(text, constants: constants) == text)
    }

    @Test("templates that change delimiters or set a pragma are left alone")
    func leavesDelimiterChanges() {
        for text in ["{{=<% %>=}}<% t.next %> {{t.next}}", "{{% CONTENT_TYPE: TEXT }}{{t.amp}}"] {
            #expect(TemplateConstants.fold(text, constants: constants) == text)
        }
    }

    /// Every page of `root`, rendered by `theme`, by template and index.
    func renderEveryPage(of root: URL, _ body: (Theme, PageContexts, String, [String: Any]) -> Void) throws {
        var context = BuildContext(options: BuildOptions.fixture(source: root, output: root.appendingPathComponent("_unused")))
        for step in Pipeline.steps.prefix(while: { $0.name != BuildStep.applyLayouts.name }) { _ = try step.run(&context) }
        let pages = PageContexts(
            config: context.config, strings: context.strings, content: context.content,
            published: context.published, courseBodies: context.courseBodies)
        let theme = context.theme!
        var all: [(String, [String: Any])] = [("catalog", pages.catalog()), ("tags", pages.tagsIndex()), ("404", pages.notFound())]
        for index in context.content.courses.indices {
            all += [("partials/outline", pages.outlineContext(course: index)), ("course", pages.course(index, outline: "<ol></ol>"))]
        }
        all += context.content.chapters.indices.map { ("chapter", pages.chapter($0, outline: "<ol></ol>")) }
        all += pages.tags.map { ("tag", pages.tag($0)) }
        for (template, values) in all { body(theme, pages, template, values) }
    }

    @Test("a folded theme renders every page of the example site and the fixtures exactly as the theme", arguments: ["example", "valid", "cjk", "valid+strings"])
    func sameOutput(_ name: String) throws {
        let site = try name == "example" ? FixtureSite.exampleSite() : FixtureSite(copying: Fixtures.valid(String(name.prefix { $0 != "+" })))
        defer { site.remove() }
        if name.hasSuffix("+strings") {
            // Strings that need escaping, that hold braces or are blank: folded or not, the same.
            let file = site.root.appendingPathComponent("site.yml")
            let yaml = try String(contentsOf: file, encoding: .utf8)
                + "strings:\n  next: \"Next & <more> \\\"quoted\\\" 'single'\"\n  previous: \"{{t.next}}\"\n  tags: \" \"\n  courses: \"a}}b\"\n"
            try yaml.write(to: file, atomically: true, encoding: .utf8)
        }
        var pagesRendered = 0
        var folded: Theme?
        try renderEveryPage(of: site.root) { theme, pages, template, values in
            if folded == nil { folded = theme.folding(pages.templateConstants) }
            #expect(folded!.render(template, values) == theme.render(template, values), "\(template)")
            pagesRendered += 1
        }
        #expect(pagesRendered > 5)
        // And folding did something: most `t.` and `site.` tags of a chapter page are gone.
        var context = BuildContext(options: BuildOptions.fixture(source: site.root, output: site.root.appendingPathComponent("_unused")))
        _ = try Pipeline.steps[0].run(&context)
        let chapter = try FixtureSite.read("chapter.mustache", in: BundledResources.themeURL)
        let foldedChapter = TemplateConstants.fold(chapter, constants: ["t": context.strings.values, "site": [:]])
        #expect(foldedChapter.components(separatedBy: "{{").count < chapter.components(separatedBy: "{{").count - 10)
    }

    @Test("no object in a page's context has a key named t or site below the root (folding relies on it)")
    func noShadowingKeys() throws {
        let site = try FixtureSite.exampleSite()
        defer { site.remove() }
        func shadowing(_ value: Any, path: String) -> [String] {
            switch value {
            case let dictionary as [String: Any]:
                dictionary.flatMap { key, child in
                    (["t", "site"].contains(key) ? ["\(path).\(key)"] : []) + shadowing(child, path: "\(path).\(key)")
                }
            case let list as [Any]: list.enumerated().flatMap { shadowing($1, path: "\(path)[\($0)]") }
            default: []
            }
        }
        try renderEveryPage(of: site.root) { _, _, template, values in
            let below = values.filter { !["t", "site"].contains($0.key) }
            #expect(shadowing(below, path: template) == [])
        }
    }
}
