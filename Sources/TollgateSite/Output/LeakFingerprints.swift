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

    /// Premium headings that are the whole text of an element in `html` (`>Heading<`), as
    /// in a table of contents.
    private func headingLeaks(in html: String, into found: inout Set<LeakKey>) {
        Self.forEachElementText(in: html) { hash, text in
            guard headingHashes.contains(hash) else { return }
            let text = text()
            if premiumHeadings[text] != nil { found.insert(.heading(text)) }
        }
    }

    /// The index of the chapter whose premium text `key` is.
    func chapter(of key: LeakKey) -> Int? {
        switch key {
        case .sentence(let fingerprint): premium[fingerprint]
        case .heading(let text): premiumHeadings[text]
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

    /// The premium sentences and headings that occur in `text`.
    ///
    /// - Parameter markup: false to read `text` without markup (``TextShingles``), as a
    ///   script's or a JSON file's strings are read a second time.
    func leaks(in text: String, markup: Bool = true) -> Set<LeakKey> {
        var scripts: [Range<Int>] = []
        return leaks(in: text, markup: markup, scripts: &scripts)
    }

    /// ``leaks(in:markup:)``, also giving the byte ranges of the `<script>` and `<style>`
    /// bodies of `text`, which are not read here.
    func leaks(in text: String, markup: Bool = true, scripts: inout [Range<Int>]) -> Set<LeakKey> {
        var found: Set<LeakKey> = []
        if let filter {
            scripts = TextShingles.forEachFingerprint(of: text, markup: markup) { fingerprint in
                guard Self.mayContain(fingerprint, filter) else { return }
                if premium[fingerprint] != nil { found.insert(.sentence(fingerprint)) }
            }
        } else {
            scripts = TextShingles.forEachFingerprint(of: text, markup: markup) { fingerprint in
                if premium[fingerprint] != nil { found.insert(.sentence(fingerprint)) }
            }
        }
        if !premiumHeadings.isEmpty { headingLeaks(in: text, into: &found) }
        return found
    }
}
