import Foundation

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

    var isEmpty: Bool { premium.isEmpty }

    /// Records the sentences of a chapter's premium HTML.
    mutating func addPremium(html: String, chapter: Int) {
        for fingerprint in TextShingles.sentenceFingerprints(of: html) { premium[fingerprint] = chapter }
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

    /// The problem of a file that carries premium text of `source`.
    static func diagnostic(file: String, source: String) -> Diagnostic {
        Diagnostic(file: file, "premium text of \(source) is in this file in clear; nothing was published")
    }

    /// One diagnostic per output file that contains a premium sentence.
    ///
    /// - Parameters:
    ///   - label: how messages name the folder (e.g. `_site`).
    ///   - skipping: files (relative paths) already checked.
    func scan(folder: URL, label: String, skipping: Set<String> = []) -> [Diagnostic] {
        guard !fingerprints.isEmpty else { return [] }
        var files: [String] = []
        if let enumerator = FileManager.default.enumerator(atPath: folder.path) {
            for case let path as String in enumerator
            where !skipping.contains(path) && Self.textExtensions.contains((path as NSString).pathExtension.lowercased()) {
                files.append(path)
            }
        }
        files.sort()
        let results: [[Diagnostic]] = parallelMap(files) { path in
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(path).path) else { return [] }
            let text = String(decoding: data, as: UTF8.self)
            return fingerprints.leaks(in: text).sorted().map { Self.diagnostic(file: "\(label)/\(path)", source: chapterSources[$0]) }
        }
        return results.flatMap { $0 }
    }
}
