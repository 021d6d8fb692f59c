import Foundation
import Testing

@testable import TollgateHighlight

@Suite("Highlight cache")
struct CacheTests {
    static let block = CodeBlock(code: "struct A { let b = \"c\" }\n", info: FenceInfo(language: "swift", highlightedLines: [1]))

    func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-hl-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    func entries(in folder: URL) -> [URL] {
        (FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? [])
            .filter { $0.pathExtension == "html" }
    }

    @Test("a cold, a warm and a damaged cache give the same bytes; the damaged entry is rewritten whole")
    func sameBytes() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let uncached = CodeHighlighter().render(Self.block).html
        let cold = CodeHighlighter(cacheFolder: folder).render(Self.block).html
        let entry = try #require(entries(in: folder).first)
        let warm = CodeHighlighter(cacheFolder: folder).render(Self.block).html
        #expect(cold == uncached)
        #expect(warm == uncached)
        let whole = try Data(contentsOf: entry)
        for damage in [whole.prefix(whole.count - 7), whole.prefix(20), Data(), whole + Data("<b>x</b>".utf8),
            Data(String(decoding: whole, as: UTF8.self).replacingOccurrences(of: "hl-kw", with: "hl-XX").utf8)] {
            try damage.write(to: entry)
            #expect(CodeHighlighter(cacheFolder: folder).render(Self.block).html == uncached)
            #expect(try Data(contentsOf: entry) == whole)
        }
    }

    @Test("a cached entry is used: its (valid) content comes back without highlighting again")
    func entryIsUsed() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = CodeHighlighter(cacheFolder: folder).render(Self.block)
        let entry = try #require(entries(in: folder).first)
        let planted = "<p>from the cache</p>"
        let cache = HighlightCache(folder: folder)
        cache.store(planted, for: entry.deletingPathExtension().lastPathComponent)
        #expect(CodeHighlighter(cacheFolder: folder).render(Self.block).html == planted)
    }

    @Test("every option is part of the key: changing one misses the cache")
    func keyCoversOptions() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let highlighter = CodeHighlighter(cacheFolder: folder)
        var variants = [Self.block]
        variants.append(CodeBlock(code: Self.block.code, info: FenceInfo(language: "swift")))
        variants.append(CodeBlock(code: Self.block.code, info: FenceInfo(language: "swift", title: "A.swift", highlightedLines: [1])))
        variants.append(CodeBlock(code: Self.block.code, info: FenceInfo(language: "swift", highlightedLines: [1], lineNumbers: true)))
        variants.append(CodeBlock(code: Self.block.code, info: FenceInfo(language: "rust", highlightedLines: [1])))
        variants.append(CodeBlock(code: "struct B {}\n", info: Self.block.info))
        let outputs = variants.map { highlighter.render($0).html }
        #expect(Set(outputs).count == variants.count)
        #expect(entries(in: folder).count == variants.count)
    }

    @Test("threads storing the same block at once leave one whole entry and no temporary file")
    func concurrentStores() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let cache = HighlightCache(folder: folder)
        let html = String(repeating: "<span class=\"hl-kw\">let</span> x = 1\n", count: 2_000)
        DispatchQueue.concurrentPerform(iterations: 16) { _ in cache.store(html, for: "ab12") }
        #expect(cache.html(for: "ab12") == html)
        let files = FileManager.default.enumerator(atPath: folder.path)?.allObjects.compactMap { $0 as? String } ?? []
        #expect(files.sorted() == ["ab", "ab/ab12.html"])
    }
}
