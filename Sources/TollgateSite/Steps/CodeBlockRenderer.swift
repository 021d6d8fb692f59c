import Foundation
import TollgateHighlight
import TollgateMarkdown
import TollgateYAML

/// Renders the code blocks of one Markdown file through the build's highlighter, and
/// remembers the languages it could not highlight for the build's warning.
final class CodeBlockRenderer {
    private let highlighter: CodeHighlighter
    /// Languages of this file's fences that no definition matches (shown as plain text).
    private(set) var unknownLanguages: Set<String> = []

    init(highlighter: CodeHighlighter) { self.highlighter = highlighter }

    /// The highlighter of a build: nil when `site.yml` turns highlighting off.
    static func highlighter(for config: SiteConfig, source: URL) -> CodeHighlighter? {
        guard config.highlight.enabled else { return nil }
        return CodeHighlighter(lineNumbers: config.highlight.lineNumbers, cacheFolder: cacheFolder(of: source))
    }

    /// `.tollgate/cache/highlight/` of the site at `source`.
    static func cacheFolder(of source: URL) -> URL {
        source.appendingPathComponent(".tollgate/cache/highlight", isDirectory: true)
    }

    /// The block's HTML, or the problem of its fence.
    func render(_ block: CodeBlockSource) -> CodeBlockRendering {
        let info: FenceInfo
        do {
            info = try FenceInfo.parse(block.info)
        } catch {
            return .problem("code fence '\(block.info)': \(error)")
        }
        let result = highlighter.render(CodeBlock(code: block.code, info: info))
        if let line = result.linesOutOfRange.first {
            let count = max(1, block.code.split(separator: "\n", omittingEmptySubsequences: false).count - (block.code.hasSuffix("\n") ? 1 : 0))
            return .problem(
                "code fence '\(block.info)' highlights line \(line), but the block has \(Format.count(count, "line")); fix the numbers in {…}")
        }
        if !result.languageKnown { unknownLanguages.insert(info.language) }
        return .html(result.html)
    }

    /// One warning per language no definition matches, naming the files that use it.
    static func notices(unknown: [String: Set<String>], highlighter: CodeHighlighter) -> [String] {
        guard !unknown.isEmpty else { return [] }
        let known = highlighter.definitionNames.map { $0.lowercased() }
        return unknown.keys.sorted().map { language in
            let files = unknown[language, default: []].sorted().joined(separator: ", ")
            return "unknown code language '\(language)', shown as plain text, in \(files)"
                + "\(Suggestion.hint(for: language, in: known)) (docs/authoring.md lists the languages)"
        }
    }
}
