import Foundation

/// Premium sentences planted where an author's layout, a feed or a search index could
/// carry them, for tests of the leak check.
enum LeakPlanting {
    /// The first sentence of ten words or more that starts a paragraph of plain prose in the
    /// premium part (after `<!-- more -->`) of `file`, and nowhere in `others`: its words up
    /// to its first full stop on that line, and its 1-based line.
    static func premiumSentence(of file: URL, notIn others: [String] = []) throws -> (sentence: String, line: Int)? {
        let lines = try String(contentsOf: file, encoding: .utf8).components(separatedBy: "\n")
        guard let marker = lines.firstIndex(of: "<!-- more -->") else { return nil }
        var inFence = false
        for index in (marker + 1)..<lines.count {
            let line = lines[index]
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") { inFence.toggle(); continue }
            guard !inFence, lines[index - 1].trimmingCharacters(in: .whitespaces).isEmpty, line.first?.isUppercase == true,
                line.allSatisfy({ $0.isASCII && !"`[]*_<>|#\\&".contains($0) })
            else { continue }
            let sentence = String(line.prefix(upTo: line.range(of: ". ")?.lowerBound ?? line.endIndex)).trimmingCharacters(in: CharacterSet(charactersIn: ". "))
            if sentence.split(separator: " ").count >= 10, !sentence.contains("  "), !others.contains(where: { $0.contains(sentence) }) {
                return (sentence + ".", index + 1)
            }
        }
        return nil
    }

    /// A premium sentence of the corpus: the chapter's source, the sentence and its line.
    static func premiumSentence(in corpus: RealCorpus) throws -> (source: String, sentence: String, line: Int) {
        let content = corpus.root.appendingPathComponent("content")
        let files = try FileManager.default.subpathsOfDirectory(atPath: content.path).filter { $0.hasSuffix(".md") }.map { "content/\($0)" }
        let texts = try Dictionary(uniqueKeysWithValues: files.map { ($0, try String(contentsOf: corpus.root.appendingPathComponent($0), encoding: .utf8)) })
        for source in corpus.premiumSources {
            let others = texts.filter { $0.key != source }.map(\.value)
            if let (sentence, line) = try premiumSentence(of: corpus.root.appendingPathComponent(source), notIn: others) { return (source, sentence, line) }
        }
        throw CocoaError(.fileReadNoSuchFile)
    }

    /// The first eight words of `sentence`, as a report quotes them.
    static func excerpt(of sentence: String) -> String {
        sentence.split(separator: " ").prefix(8).joined(separator: " ")
    }

    /// A layout override (the footer) that shows `sentence` on every page.
    static func plantInLayout(_ sentence: String, site: URL) throws {
        let footer = site.appendingPathComponent("layouts/partials/footer.mustache")
        try FileManager.default.createDirectory(at: footer.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "<footer class=\"site-footer\"><p>\(sentence)</p></footer>\n".write(to: footer, atomically: true, encoding: .utf8)
    }

    /// `sentence` in a built site's feed (as escaped HTML, with a line break between two of
    /// its words), in a search index written as JSON with escapes, and in a script.
    static func plantInOutput(_ sentence: String, folder: URL) throws {
        let feed = folder.appendingPathComponent("feed.xml")
        var atom = try String(contentsOf: feed, encoding: .utf8)
        let broken = sentence.replacingOccurrences(of: " ", with: "\n", options: [], range: sentence.range(of: " "))
        atom = atom.replacingOccurrences(of: "</feed>", with: "  <entry><content type=\"html\">&lt;p&gt;\(broken)&lt;/p&gt;</content></entry>\n</feed>")
        try atom.write(to: feed, atomically: true, encoding: .utf8)
        let index: [[String: String]] = [["url": "/a/b/", "html": "<p class=\"lead\">\(broken)</p>"]]
        var json = String(decoding: try JSONSerialization.data(withJSONObject: index), as: UTF8.self)
        json = json.replacingOccurrences(of: "<", with: "\\u003c").replacingOccurrences(of: ">", with: "\\u003e")
        try json.write(to: folder.appendingPathComponent("search.json"), atomically: true, encoding: .utf8)
        try "window.teaser = \"\(sentence.replacingOccurrences(of: " ", with: "\\u0020"))\";\n"
            .write(to: folder.appendingPathComponent("assets/extra.js"), atomically: true, encoding: .utf8)
    }
}
