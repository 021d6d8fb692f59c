import Foundation
import Testing
import TollgateTestSupport

@testable import TollgateSite

/// Courses written by other people (third-party documentation, assembled at run time) build
/// without false leak findings, and premium text planted in the output is still caught.
@Suite("Leak check on a real corpus", .serialized)
struct RealCorpusLeakTests {
    @Test("about 300 chapters of third-party docs, premium parts linking chapters with long URLs, build with zero leak findings",
        .enabled(if: try RealCorpus.isAvailable()))
    func realCorpusBuilds() throws {
        let corpus = try RealCorpus()
        defer { try? FileManager.default.removeItem(at: corpus.root) }
        #expect(corpus.chapters >= RealCorpus.chaptersNeeded)
        #expect(corpus.premiumChapters >= 100)
        #expect(corpus.longLinks >= 100)
        let output = corpus.root.appendingPathComponent("_site")
        let report: BuildReport
        do {
            report = try Pipeline.build(BuildOptions.fixture(source: corpus.root, output: output))
        } catch let failure as BuildFailure {
            Issue.record("the real corpus does not build: \(failure.diagnostics.count) errors, first: \(failure.diagnostics.prefix(5).map(\.description))")
            return
        }
        #expect(report.chapters == corpus.chapters)
        #expect(report.premiumChapters == corpus.premiumChapters)
        // The long chapter URLs that premium parts link to are in the sitemap and outlines.
        let sitemap = try FixtureSite.read("sitemap.xml", in: output)
        #expect(sitemap.contains("docs-migration-guide-nio1-to-nio2/"))
        // The same corpus passes `tollgate check --leaks` on its output.
        #expect(try Pipeline.checkLeaks(BuildOptions.fixture(source: corpus.root), folder: output) > corpus.chapters)
    }

    @Test("a premium sentence of the real corpus planted in a layout, the feed, a JSON file and a script is caught, named with its source line",
        .enabled(if: try RealCorpus.isAvailable()))
    func plantedSentenceIsCaught() throws {
        let corpus = try RealCorpus()
        defer { try? FileManager.default.removeItem(at: corpus.root) }
        let (source, sentence, line) = try LeakPlanting.premiumSentence(in: corpus)
        let output = corpus.root.appendingPathComponent("_site")
        // Built cleanly, then the feed, a search index and a script get the sentence.
        _ = try Pipeline.build(BuildOptions.fixture(source: corpus.root, output: output))
        try LeakPlanting.plantInOutput(sentence, folder: output)
        do {
            _ = try Pipeline.checkLeaks(BuildOptions.fixture(source: corpus.root), folder: output)
            Issue.record("check --leaks missed a planted premium sentence of \(source):\(line): \(sentence)")
        } catch let failure as BuildFailure {
            #expect(failure.diagnostics.count == 1, "one finding per sentence: \(failure.diagnostics)")
            let finding = try #require(failure.diagnostics.first)
            #expect(finding.file == source)
            #expect(finding.line == line)
            #expect(finding.message.contains(LeakPlanting.excerpt(of: sentence)), "words not named: \(finding.message)")
            for file in ["feed.xml", "search.json", "assets/extra.js"] {
                #expect(finding.message.contains("\(output.path)/\(file)"), "\(file) not named in: \(finding.message)")
            }
        }
        // A layout that shows the sentence on every page fails the build: one finding.
        try LeakPlanting.plantInLayout(sentence, site: corpus.root)
        let second = corpus.root.appendingPathComponent("_site2")
        do {
            _ = try Pipeline.build(BuildOptions.fixture(source: corpus.root, output: second))
            Issue.record("a premium sentence in a layout was published")
        } catch let failure as BuildFailure {
            #expect(failure.diagnostics.count == 1, "one finding per sentence: \(failure.diagnostics.prefix(3))")
            let finding = try #require(failure.diagnostics.first)
            #expect(finding.description.hasPrefix("\(source):\(line): "))
            #expect(finding.message.contains(LeakPlanting.excerpt(of: sentence)))
            // Every page has the footer: a few are named, then how many more.
            #expect(finding.message.contains("_site2/404.html, "))
            #expect(finding.message.contains(" more; nothing was published"))
            #expect(finding.message.contains("nothing was published"))
        }
        #expect(!FileManager.default.fileExists(atPath: second.path))
    }
}
