import Testing

@testable import TollgateHighlight

@Suite("Fence info")
struct FenceInfoTests {
    @Test("language, title, highlighted lines and line numbers, in any order")
    func parts() throws {
        let info = try FenceInfo.parse(#"Swift {3, 5-7} title="Package file.swift" numbers"#)
        #expect(info == FenceInfo(language: "swift", title: "Package file.swift", highlightedLines: [3, 5, 6, 7], lineNumbers: true))
        #expect(try FenceInfo.parse("swift{1,2}").highlightedLines == [1, 2])
        #expect(try FenceInfo.parse("js title='a \"b\".js' no-numbers") == FenceInfo(language: "js", title: "a \"b\".js", lineNumbers: false))
        #expect(try FenceInfo.parse("") == FenceInfo())
        #expect(try FenceInfo.parse("{2}") == FenceInfo(highlightedLines: [2]))
    }

    @Test("a malformed fence says what is wrong and how to write it", arguments: [
        ("swift {3-1}", "'3-1' in '{3-1}' is not a line or a range of lines; write the lines to highlight like {3,5-7}"),
        ("swift {a}", "'a' in '{a}' is not a line or a range of lines; write the lines to highlight like {3,5-7}"),
        ("swift {0}", "'0' in '{0}' is not a line or a range of lines; write the lines to highlight like {3,5-7}"),
        ("swift {3", "'{3' is not a list of lines; write the lines to highlight like {3,5-7}"),
        ("swift title=Package.swift", "title=… needs its value in quotes, like title=\"Package.swift\" (in 'title=Package.swift')"),
        ("swift title=\"a", "title=… needs its value in quotes, like title=\"Package.swift\" (in 'title=\"a')"),
        ("swift linenos", "unknown code fence option 'linenos'; write title=\"…\", {3,5-7}, numbers or no-numbers"),
    ])
    func malformed(info: String, message: String) {
        #expect(throws: FenceInfoError(message)) { try FenceInfo.parse(info) }
    }

    @Test("aliases resolve to the library's definitions; unknown names do not")
    func aliases() {
        let highlighter = CodeHighlighter()
        let expected = [
            "js": "JavaScript", "ts": "TypeScript", "sh": "Bash", "shell": "Bash", "yml": "YAML", "py": "Python",
            "rb": "Ruby", "kt": "Kotlin", "rs": "Rust", "go": "Go", "golang": "Go", "cpp": "C++", "c++": "C++",
            "swift": "Swift", "SQL": "SQL", "json": "JSON", "dockerfile": "Dockerfile", "diff": "Diff", "toml": "TOML",
            "html": "HTML", "css": "CSS",
        ]
        for (alias, definition) in expected {
            #expect(highlighter.definitionName(for: alias) == definition, "\(alias)")
        }
        #expect(highlighter.definitionName(for: "brainfunk") == nil)
        #expect(highlighter.definitionNames.count > 200)
        #expect(CodeHighlighter.libraryVersion.split(separator: ".").count == 3)
    }

    @Test("a site default of line numbers applies unless the fence says no-numbers")
    func lineNumberDefault() throws {
        let numbered = CodeHighlighter(lineNumbers: true)
        #expect(numbered.render(CodeBlock(code: "let a = 1\n", info: try .parse("swift"))).html.contains("<pre class=\"code-block numbered\""))
        #expect(numbered.render(CodeBlock(code: "let a = 1\n", info: try .parse("swift no-numbers"))).html.contains("<pre class=\"code-block\""))
        #expect(CodeHighlighter().render(CodeBlock(code: "x\n", info: try .parse("swift"))).html.contains("<pre class=\"code-block\""))
    }

    @Test("highlighted lines past the end of the block are reported, the unknown language too")
    func reports() throws {
        let result = CodeHighlighter().render(CodeBlock(code: "a\nb\n", info: try .parse("swift {2,3,9}")))
        #expect(result.linesOutOfRange == [3, 9])
        #expect(result.languageKnown)
        #expect(!CodeHighlighter().render(CodeBlock(code: "a\n", info: try .parse("brainfunk"))).languageKnown)
        #expect(CodeHighlighter().render(CodeBlock(code: "a\n", info: try .parse("text"))).languageKnown)
    }
}

extension FenceInfoTests {
    @Test("a line number past any block's length is refused, not allocated")
    func hugeRange() {
        #expect(throws: FenceInfoError("'1-99999999' in '{1-99999999}' is not a line or a range of lines; write the lines to highlight like {3,5-7}")) {
            try FenceInfo.parse("swift {1-99999999}")
        }
    }
}
