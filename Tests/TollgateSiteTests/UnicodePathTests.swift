import Foundation
import Testing
import TollgateTestSupport

@testable import TollgateSite

/// Content paths are normalised to NFC when they are loaded (docs/FORMAT.md seals under the
/// NFC path, and `tollgate.js` opens under it). The decomposed names are made at run time:
/// a checkout on a file system that normalises names could not hold them.
@Suite("Unicode file names")
struct UnicodePathTests {
    static let decomposed = "cafe\u{301}"  // "café" as e + U+0301 (NFD)
    static let composed = "caf\u{E9}"  // "café" as one scalar (NFC)

    /// A copy of Fixtures/teasers with `content/t/<name>.md`, a premium chapter with a marker,
    /// and a free chapter linking to it and to an image of a decomposed name.
    static func site(chapterNames: [String]) throws -> FixtureSite {
        let site = try FixtureSite(copying: Fixtures.valid("teasers"))
        let folder = site.root.appendingPathComponent("content/t")
        for name in chapterNames {
            let chapter = "---\ntitle: Café \(name.unicodeScalars.count)\n---\n\nThe public teaser of the café chapter.\n\n<!-- more -->\n\nThe premium part of the café chapter, sealed for members.\n"
            try Data(chapter.utf8).write(to: folder.appendingPathComponent("\(name).md"))
        }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("images"), withIntermediateDirectories: true)
        try Data("<svg xmlns=\"http://www.w3.org/2000/svg\"/>".utf8).write(to: folder.appendingPathComponent("images/\(decomposed).svg"))
        let links = "---\ntitle: Links\ntier: free\n---\n\nSee [the café](\(composed).md), [again](\(decomposed).md) and ![a cup](images/\(composed).svg).\n"
        try Data(links.utf8).write(to: folder.appendingPathComponent("08-links.md"))
        return site
    }

    /// The names of `folder`'s entries as their exact scalars.
    static func scalars(in folder: URL) -> [[Unicode.Scalar]] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).map { Array($0.unicodeScalars) }
    }

    @Test("a chapter whose file name is in NFD gets an NFC folder, is sealed under its NFC path, and links to it resolve")
    func decomposedFileName() throws {
        let site = try Self.site(chapterNames: [Self.decomposed])
        defer { site.remove() }
        // The file system kept the decomposed name (Swift's == would call both equal).
        #expect(Self.scalars(in: site.root.appendingPathComponent("content/t")).contains(Array("\(Self.decomposed).md".unicodeScalars)))
        let output = site.outputFolder()
        _ = try Pipeline.build(.fixture(source: site.root, output: output))
        let folders = Self.scalars(in: output.appendingPathComponent("t"))
        #expect(folders.contains(Array(Self.composed.unicodeScalars)))
        #expect(!folders.contains(Array(Self.decomposed.unicodeScalars)))
        #expect(Self.scalars(in: output.appendingPathComponent("t/images")) == [Array("\(Self.composed).svg".unicodeScalars)])

        let path = "t/\(Self.composed)/"
        let html = try String(decoding: Data(contentsOf: output.appendingPathComponent(path + "index.html")), as: UTF8.self)
        let page = try SealedPage(html: html)
        let premium = try page.payload.open(site: "teasers.example.org", path: path, with: testMasterKey.tierKey("member", epoch: 1))
        #expect(premium.contains("The premium part of the café chapter"))

        let links = try String(decoding: Data(contentsOf: output.appendingPathComponent("t/links/index.html")), as: UTF8.self)
        let encoded = "/t/caf%C3%A9/"
        #expect(links.contains("<a href=\"\(encoded)\">the café</a>") && links.contains("<a href=\"\(encoded)\">again</a>"), "both spellings of the link go to the NFC page")
        #expect(links.contains("src=\"/t/images/caf%C3%A9.svg\""))
    }

    @Test("two files whose names differ only in Unicode normalization are refused, naming both")
    func collidingNames() throws {
        let site = try Self.site(chapterNames: [Self.decomposed, Self.composed])
        defer { site.remove() }
        do {
            _ = try Pipeline.build(.fixture(source: site.root, output: site.outputFolder()))
            Issue.record("a site with two names for one path built")
        } catch let failure as BuildFailure {
            #expect(failure.step == "load content")
            let message = try #require(failure.diagnostics.first { $0.message.contains("Unicode") })
            #expect(message.message.contains("\(Self.composed).md (NFC)"))
            #expect(message.message.contains("\(Self.decomposed).md (NFD"))
            #expect(message.message.contains("rename"))
        }
    }
}
