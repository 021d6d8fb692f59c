import Foundation
import Testing

@testable import TollgateHighlight

/// Highlighted HTML of one snippet per language, compared byte for byte with a golden file.
///
/// Each `Golden/NAME.in` holds a fence info string on its first line and the code after it;
/// `Golden/NAME.html` is the expected block. To accept a deliberate change of output, run
/// `TOLLGATE_UPDATE_GOLDEN=1 swift test --filter GoldenTests` and review the diff.
@Suite("Highlighting golden files")
struct GoldenTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    static let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
        .filter { $0.hasSuffix(".in") }.map { String($0.dropLast(3)) }.sorted()

    @Test("every snippet renders exactly as its golden file", arguments: names)
    func golden(name: String) throws {
        let input = try String(contentsOf: Self.folder.appendingPathComponent(name + ".in"), encoding: .utf8)
        let newline = try #require(input.firstIndex(of: "\n"))
        let info = try FenceInfo.parse(String(input[..<newline]))
        let html = CodeHighlighter().render(CodeBlock(code: String(input[input.index(after: newline)...]), info: info)).html
        let expectedURL = Self.folder.appendingPathComponent(name + ".html")
        if ProcessInfo.processInfo.environment["TOLLGATE_UPDATE_GOLDEN"] != nil {
            try html.write(to: expectedURL, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: expectedURL, encoding: .utf8)
        #expect(html == expected, "\(name): run with TOLLGATE_UPDATE_GOLDEN=1 to see the difference in git diff")
    }

    @Test("at least twelve languages are highlighted, each with keyword or type spans")
    func languages() throws {
        var highlighted = 0
        for name in Self.names {
            let html = try String(contentsOf: Self.folder.appendingPathComponent(name + ".html"), encoding: .utf8)
            if html.contains("class=\"hl-kw\"") || html.contains("class=\"hl-ty\"") || html.contains("class=\"hl-dv\"") { highlighted += 1 }
        }
        #expect(highlighted >= 12)
    }
}
