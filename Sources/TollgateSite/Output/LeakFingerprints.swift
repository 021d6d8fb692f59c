import Foundation
import TollgateMarkdown

/// Fingerprints of every premium sentence of a build, to prove none reached the output.
struct LeakFingerprints: Sendable {
    /// Fingerprint → index of the chapter it comes from.
    private(set) var premium: [UInt64: Int] = [:]
    /// A bit per fingerprint bucket: most words of a page are ruled out without a hash lookup.
    /// It may keep the bits of removed fingerprints: it only ever answers "maybe".
    private var filter: [UInt64]?
    private static let filterBits = 1 << 22

    /// Prepares the quick filter; call once all fingerprints are in.
    mutating func seal() {
        var bits = [UInt64](repeating: 0, count: Self.filterBits / 64)
        for fingerprint in premium.keys {
            let bit = Int(truncatingIfNeeded: fingerprint) & (Self.filterBits - 1)
            bits[bit >> 6] |= 1 << UInt64(bit & 63)
        }
        filter = bits
    }

    var isEmpty: Bool { premium.isEmpty && premiumHeadings.isEmpty }

    /// Headings of premium parts, as HTML text (escaped, trimmed) → chapter index.
    private(set) var premiumHeadings: [String: Int] = [:]
    /// ``textHash(_:)`` of every key of `premiumHeadings` (and of removed ones: it only
    /// ever answers "maybe"), so element texts are hashed, not made into strings.
    private var headingHashes: Set<UInt64> = []

    /// Records the headings of a chapter's premium part, which a page may not show
    /// unless `premium.public_headings` is on.
    mutating func addPremiumHeadings(_ headings: [Heading], chapter: Int) {
        for heading in headings {
            let text = HTMLEscaping.text(heading.text).trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            premiumHeadings[text] = chapter
            headingHashes.insert(Self.textHash(text.utf8))
        }
    }

    /// Forgets premium headings whose text is public anyway (a title, another heading, …).
    mutating func removePublicHeadings(_ texts: some Sequence<String>) {
        guard !premiumHeadings.isEmpty else { return }
        for text in texts { premiumHeadings.removeValue(forKey: HTMLEscaping.text(text).trimmingCharacters(in: .whitespaces)) }
    }

    /// Forgets premium headings that are the whole text of an element in public HTML.
    mutating func removePublicElementTexts(ofHTML html: String) {
        guard !premiumHeadings.isEmpty else { return }
        let hashes = headingHashes
        Self.forEachElementText(in: html) { hash, text in
            if hashes.contains(hash) { premiumHeadings.removeValue(forKey: text()) }
        }
    }

    /// The chapters whose premium headings are the whole text of an element in `html`
    /// (`>Heading<`), as in a table of contents.
    private func headingLeaks(in html: String, into found: inout Set<Int>) {
        Self.forEachElementText(in: html) { hash, text in
            if headingHashes.contains(hash), let chapter = premiumHeadings[text()] { found.insert(chapter) }
        }
    }

    /// FNV-1a of UTF-8 bytes.
    static func textHash(_ bytes: some Sequence<UInt8>) -> UInt64 {
        bytes.reduce(TextShingles.offsetBasis) { ($0 ^ UInt64($1)) &* TextShingles.prime }
    }

    /// Calls `body` with the ``textHash(_:)`` of the trimmed text between each `>` and the
    /// next `<` (up to 400 bytes), and a function that makes that text a string.
    ///
    /// Pages have thousands of such texts and almost none is a heading, so the text is
    /// trimmed and hashed as bytes; only a text that starts or ends with a non-ASCII byte
    /// (which may be Unicode white space) is trimmed by Foundation.
    static func forEachElementText(in html: String, _ body: (_ hash: UInt64, _ text: () -> String) -> Void) {
        var html = html
        html.withUTF8 { bytes in
            @inline(__always) func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
            var start = -1
            for index in 0..<bytes.count {
                switch bytes[index] {
                case UInt8(ascii: ">"): start = index + 1
                case UInt8(ascii: "<"):
                    defer { start = -1 }
                    guard start >= 0, index > start, index - start <= 400 else { continue }
                    var lower = start
                    var upper = index
                    while lower < upper, isSpace(bytes[lower]) { lower += 1 }
                    while upper > lower, isSpace(bytes[upper - 1]) { upper -= 1 }
                    guard lower < upper else { continue }
                    let segment = UnsafeBufferPointer(rebasing: bytes[lower..<upper])
                    if segment.first! < 0x80, segment.last! < 0x80 {
                        body(textHash(segment)) { String(decoding: segment, as: UTF8.self) }
                    } else {
                        let text = String(decoding: segment, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                        if !text.isEmpty { body(textHash(text.utf8)) { text } }
                    }
                default: break
                }
            }
        }
    }

    /// Records the sentences of a chapter's premium HTML.
    mutating func addPremium(html: String, chapter: Int) {
        addPremium(TextShingles.sentenceFingerprints(of: html), chapter: chapter)
    }

    /// Records sentence fingerprints (``TextShingles/sentenceFingerprints(of:)``) of a
    /// chapter's premium HTML.
    mutating func addPremium(_ sentences: [UInt64], chapter: Int) {
        for fingerprint in sentences { premium[fingerprint] = chapter }
        filter = nil
    }

    /// Forgets fingerprints that also occur in public text: a sentence an author also put in a
    /// teaser or a free chapter is not a leak.
    mutating func removePublic(_ fingerprints: some Sequence<UInt64>) {
        if filter == nil { seal() }
        let filter = self.filter!
        for fingerprint in fingerprints where Self.mayContain(fingerprint, filter) {
            premium.removeValue(forKey: fingerprint)
        }
    }

    private static func mayContain(_ fingerprint: UInt64, _ bits: [UInt64]) -> Bool {
        let bit = Int(truncatingIfNeeded: fingerprint) & (filterBits - 1)
        return bits[bit >> 6] & (1 << UInt64(bit & 63)) != 0
    }

    /// The chapters whose premium sentences occur in `text`.
    func leaks(in text: String) -> Set<Int> {
        var found: Set<Int> = []
        if let filter {
            TextShingles.forEachFingerprint(of: text) { fingerprint in
                guard Self.mayContain(fingerprint, filter) else { return }
                if let chapter = premium[fingerprint] { found.insert(chapter) }
            }
        } else {
            TextShingles.forEachFingerprint(of: text) { fingerprint in
                if let chapter = premium[fingerprint] { found.insert(chapter) }
            }
        }
        if !premiumHeadings.isEmpty { headingLeaks(in: text, into: &found) }
        return found
    }
}

/// Scans files for premium text. Used by the build's last step and by `tollgate check --leaks`.
struct LeakScanner: Sendable {
    let fingerprints: LeakFingerprints
    /// Source paths of chapters, by index, for messages.
    let chapterSources: [String]

    /// Extensions of files that can carry text.
    static let textExtensions: Set<String> = ["html", "htm", "xml", "json", "js", "mjs", "txt", "css", "svg", "md", "webmanifest", "map"]


    /// One diagnostic per output file that contains a premium sentence.
    ///
    /// - Parameters:
    ///   - label: how messages name the folder (e.g. `_site`).
    ///   - skipping: files (relative paths) already checked.
    func scan(folder: URL, label: String, skipping: Set<String> = []) -> [Diagnostic] {
        scanCounting(folder: folder, label: label, skipping: skipping).leaks
    }

    /// False for `tollgate check --leaks`, which publishes nothing either way.
    var building = true

    /// One diagnostic per chapter of `chapters` whose premium text is in `file`.
    func diagnostics(chapters: some Sequence<Int>, file: String) -> [Diagnostic] {
        chapters.sorted().map {
            Diagnostic(file: file, "premium text of \(chapterSources[$0]) is in this file in clear\(building ? "; nothing was published" : "")")
        }
    }

    /// The diagnostics of `text`, the content of `file`.
    func leaks(in text: String, file: String) -> [Diagnostic] {
        diagnostics(chapters: fingerprints.leaks(in: text), file: file)
    }

    /// ``scan(folder:label:skipping:)``, with the number of text files scanned.
    func scanCounting(folder: URL, label: String, skipping: Set<String> = []) -> (leaks: [Diagnostic], files: Int) {
        var files: [String] = []
        if let enumerator = FileManager.default.enumerator(atPath: folder.path) {
            for case let path as String in enumerator
            where !skipping.contains(path) && Self.textExtensions.contains((path as NSString).pathExtension.lowercased()) {
                files.append(path)
            }
        }
        files.sort()
        guard !fingerprints.isEmpty else { return ([], files.count) }
        let results: [[Diagnostic]] = parallelMap(files) { path in
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(path).path) else { return [] }
            return leaks(in: String(decoding: data, as: UTF8.self), file: "\(label)/\(path)")
        }
        return (results.flatMap { $0 }, files.count)
    }
}
