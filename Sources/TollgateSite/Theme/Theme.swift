import TollgateYAML
import Foundation
import Mustache
import TollgateMarkdown

/// The layouts of a site: the built-in theme with the site's `layouts/` files over it.
struct Theme: Sendable {
    /// Templates every theme has.
    static let requiredTemplates = ["catalog", "course", "chapter", "tag", "tags", "404", "partials/outline"]

    let library: MustacheLibrary
    /// Asset files to copy to `assets/`: output name → file.
    let assets: [(name: String, url: URL)]
    /// The text of every template, by name.
    private let texts: [String: String]

    /// Loads and checks the built-in theme and `siteLayouts` (when it exists).
    ///
    /// - Throws: ``DiagnosticList`` naming every template that does not parse, every
    ///   partial or parent that does not exist, and every missing required template.
    init(builtIn: URL, siteLayouts: URL?) throws {
        var sources: [String: (file: String, url: URL)] = [:]
        var assets: [String: URL] = [:]
        for (folder, label) in [(builtIn, "(built-in theme)/"), (siteLayouts, "layouts/")] {
            guard let folder else { continue }
            for relative in Self.files(under: folder) {
                let url = folder.appendingPathComponent(relative)
                if relative.hasPrefix("assets/") {
                    assets[String(relative.dropFirst("assets/".count))] = url
                } else if relative.hasSuffix(".mustache") {
                    sources[String(relative.dropLast(".mustache".count))] = (label + relative, url)
                }
            }
        }
        var problems: [Diagnostic] = []
        var templates: [String: MustacheTemplate] = [:]
        var texts: [String: (file: String, text: String)] = [:]
        for (name, source) in sources.sorted(by: { $0.key < $1.key }) {
            guard let text = try? String(contentsOf: source.url, encoding: .utf8) else {
                problems.append(Diagnostic(file: source.file, "cannot read the template"))
                continue
            }
            texts[name] = (source.file, text)
            do {
                templates[name] = try MustacheTemplate(string: Self.contentTypeLine + text)
            } catch let error as MustacheTemplate.ParserError {
                let line = max(1, error.context.lineNumber - 1)  // the content type line is not the author's
                problems.append(Diagnostic(file: source.file, line: line, "template error: \(Self.describe(error.error))"))
            } catch {
                problems.append(Diagnostic(file: source.file, "template error: \(error)"))
            }
        }
        for (name, source) in texts.sorted(by: { $0.key < $1.key }) {
            for reference in Self.references(in: source.text) where sources[reference.name] == nil {
                let kind = reference.isParent ? "parent layout" : "partial"
                problems.append(Diagnostic(file: source.file, line: reference.line, "\(kind) '\(reference.name)' does not exist\(Suggestion.hint(for: reference.name, in: sources.keys)) (used by '\(name)')"))
            }
        }
        for name in Self.requiredTemplates where sources[name] == nil {
            problems.append(Diagnostic(file: "layouts/\(name).mustache", "missing layout: the theme needs '\(name).mustache'"))
        }
        if !problems.isEmpty { throw DiagnosticList(items: problems) }
        library = MustacheLibrary(templates: templates)
        self.assets = assets.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        self.texts = texts.mapValues(\.text)
    }

    private init(library: MustacheLibrary, assets: [(name: String, url: URL)], texts: [String: String]) {
        self.library = library
        self.assets = assets
        self.texts = texts
    }

    /// This theme with the values every page shares written into its templates
    /// (``TemplateConstants``); renders exactly what this theme renders, faster.
    func folding(_ constants: [String: [String: String]]) -> Theme {
        var templates: [String: MustacheTemplate] = [:]
        for (name, text) in texts {
            // A template that folding would break (it cannot, by construction) keeps its text.
            templates[name] =
                (try? MustacheTemplate(string: Self.contentTypeLine + TemplateConstants.fold(text, constants: constants)))
                ?? library.getTemplate(named: name)
        }
        return Theme(library: MustacheLibrary(templates: templates), assets: assets, texts: texts)
    }

    /// The first line of every template: values are escaped by ``HTMLText``.
    ///
    /// swift-mustache escapes `{{name}}` with its built-in HTML content type, which walks the
    /// text a `Character` at a time with a dictionary lookup each; that was a tenth of a
    /// build's time. The library's `CONTENT_TYPE` pragma selects a registered content type
    /// instead. The line is standalone, so Mustache removes it from the output, and a
    /// template may still set its own content type after it.
    private static let contentTypeLine: String = {
        MustacheContentTypes.register(HTMLText(), named: HTMLText.name)
        return "{{% CONTENT_TYPE: \(HTMLText.name) }}\n"
    }()

    /// HTML escaping of the same five characters as Mustache's own (`& < > " '`), on bytes.
    struct HTMLText: MustacheContentType {
        static let name = "TOLLGATE_HTML"
        func escapeText(_ text: String) -> String { HTMLEscaping.text(text) }
    }

    /// Renders the template `name` with `context`.
    func render(_ name: String, _ context: [String: Any]) -> String {
        library.render(context, withTemplate: name) ?? ""
    }

    /// Partials (`{{> name}}`) and parents (`{{< name}}`) a template names, with lines.
    static func references(in text: String) -> [(name: String, line: Int, isParent: Bool)] {
        var found: [(String, Int, Bool)] = []
        var line = 1
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == "\n" {
                line += 1
            } else if text[index...].hasPrefix("{{") {
                var cursor = text.index(index, offsetBy: 2)
                if cursor < text.endIndex, text[cursor] == ">" || text[cursor] == "<" {
                    let isParent = text[cursor] == "<"
                    cursor = text.index(after: cursor)
                    if let close = text[cursor...].range(of: "}}") {
                        let name = text[cursor..<close.lowerBound].trimmingCharacters(in: .whitespaces)
                        if !name.isEmpty, !name.hasPrefix("*") { found.append((name, line, isParent)) }
                    }
                }
            }
            index = text.index(after: index)
        }
        return found
    }

    private static func files(under folder: URL) -> [String] {
        // `layouts` may be a symbolic link (the example site's is): list what it points to.
        let folder = folder.resolvingSymlinksInPath()
        guard let enumerator = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        var files: [String] = []
        for case let path as String in enumerator {
            var isDirectory: ObjCBool = false
            let name = (path as NSString).lastPathComponent
            if name.hasPrefix(".") { continue }
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent(path).path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(path)
            }
        }
        return files.sorted()
    }

    private static func describe(_ error: any Error) -> String {
        guard let error = error as? MustacheTemplate.Error else { return "\(error)" }
        return switch error {
        case .sectionCloseNameIncorrect: "a section is closed with a different name than it was opened with"
        case .unfinishedName: "a tag is not closed with '}}'"
        case .expectedSectionEnd: "a section is never closed (add {{/name}})"
        case .invalidSetDelimiter: "invalid set-delimiter tag"
        case .transformAppliedToInheritanceSection: "transforms are not allowed on inheritance sections"
        case .illegalTokenInsideInheritSection: "only blocks ({{$name}}) may appear inside a parent layout tag"
        case .textInsideInheritSection: "text is not allowed inside a parent layout tag, only blocks"
        case .invalidConfigVariableSyntax, .unrecognisedConfigVariable: "invalid configuration tag"
        @unknown default: "\(error)"
        }
    }
}
