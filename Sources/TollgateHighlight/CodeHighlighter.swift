import Foundation

/// Highlights fenced code blocks with KSyntaxHighlighting, into HTML whose tokens carry CSS
/// classes (`hl-kw` keyword, `hl-ty` type, `hl-st` string, `hl-co` comment, …) for the
/// theme to colour.
///
/// Safe to use from many threads at once: each thread borrows its own engine. Output is
/// deterministic: the same block, options, library and renderer versions give the same bytes.
public struct CodeHighlighter: Sendable {
    /// Whether blocks show line numbers when their fence does not say.
    public var lineNumbers: Bool
    private let cache: HighlightCache?
    private let pool = HighlighterPool()

    /// The version of this renderer's HTML; part of every cache key, bumped when it changes.
    public static let rendererVersion = 1

    /// The version of the KSyntaxHighlighting library in use.
    public static var libraryVersion: String { SyntaxEngine.libraryVersion }

    /// A highlighter.
    /// - Parameters:
    ///   - lineNumbers: the default for fences that say neither `numbers` nor `no-numbers`.
    ///   - cacheFolder: where highlighted blocks are kept between builds; nil for no cache.
    public init(lineNumbers: Bool = false, cacheFolder: URL? = nil) {
        self.lineNumbers = lineNumbers
        cache = cacheFolder.map(HighlightCache.init(folder:))
    }

    /// The names of the languages the library knows, sorted.
    public var definitionNames: [String] { pool.withEngine { $0.definitionNames() } ?? [] }

    /// The definition `language` (as written in a fence) stands for; nil when none does.
    public func definitionName(for language: String) -> String? {
        pool.definitionName(for: LanguageAliases.definitions[language.lowercased()] ?? language)
    }

    /// Renders `block` to HTML: highlighted when its language is known, escaped plain text
    /// otherwise (``HighlightedBlock/languageKnown`` says which).
    public func render(_ block: CodeBlock) -> HighlightedBlock {
        var code = Substring(block.code)
        if code.hasSuffix("\n") { code.removeLast() }
        let lineCount = code.utf8.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
        let outOfRange = block.info.highlightedLines.filter { $0 > lineCount }.sorted()
        var layout = CodeBlockHTML(
            label: nil, language: block.info.language, title: block.info.title,
            highlightedLines: block.info.highlightedLines, lineNumbers: block.info.lineNumbers ?? lineNumbers)
        let language = block.info.language
        let definition = language.isEmpty || LanguageAliases.plain[language] != nil ? nil : definitionName(for: language)
        guard let definition else {
            layout.label = language.isEmpty ? nil : LanguageAliases.plain[language] ?? language
            let html = layout.render(lines: code.split(separator: "\n", omittingEmptySubsequences: false).map { Substring(CodeBlockHTML.escape($0)) })
            let known = language.isEmpty || LanguageAliases.plain[language] != nil
            return HighlightedBlock(html: html, languageKnown: known, linesOutOfRange: outOfRange)
        }
        layout.label = definition
        let key = HighlightCache.key([
            "renderer \(Self.rendererVersion)", "library \(Self.libraryVersion)", definition, language, block.info.title ?? "\u{0}",
            block.info.highlightedLines.sorted().map(String.init).joined(separator: ","), "\(layout.lineNumbers)", String(code),
        ])
        if let cached = cache?.html(for: key) {
            return HighlightedBlock(html: cached, languageKnown: true, linesOutOfRange: outOfRange)
        }
        let tokens = pool.withEngine { $0.highlight(String(code), definition: definition) } ?? nil
        let lines = (tokens ?? CodeBlockHTML.escape(code)).split(separator: "\n", omittingEmptySubsequences: false)
        let html = layout.render(lines: lines)
        if tokens != nil { cache?.store(html, for: key) }
        return HighlightedBlock(html: html, languageKnown: true, linesOutOfRange: outOfRange)
    }
}
