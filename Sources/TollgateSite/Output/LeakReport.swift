import Foundation

/// A premium text found in clear in the output: a sentence, by the fingerprint of its first
/// ``TextShingles/width`` words, or a heading, by its text (as HTML).
enum LeakKey: Hashable, Sendable {
    case sentence(UInt64)
    case heading(String)
}

/// What the leak check found: for each premium sentence or heading, the files it is in.
/// Reported as one diagnostic per sentence, at its line in the chapter's source.
struct LeakReport: Sendable {
    /// The folder the files are in (a build's staging folder, or the folder checked).
    let folder: URL
    /// How messages name that folder (`_site`).
    let label: String
    /// Premium text → the files (relative to `folder`) it was found in.
    private(set) var files: [LeakKey: [String]] = [:]

    init(folder: URL, label: String) {
        self.folder = folder
        self.label = label
    }

    var isEmpty: Bool { files.isEmpty }

    /// Records that the file at `path` holds `found`.
    mutating func add(_ found: Set<LeakKey>, path: String) {
        for key in found { files[key, default: []].append(path) }
    }

    /// Adds what `other` found (in the same folder).
    mutating func merge(_ other: LeakReport) {
        for (key, paths) in other.files { files[key, default: []] += paths }
    }

    /// Files named in a finding before "and N more".
    static let filesNamed = 3

    /// One diagnostic per premium sentence or heading: at its line in the chapter's source,
    /// quoting its words, naming the files it was found in and what to do.
    ///
    /// - Parameters:
    ///   - source: the site's folder, where `chapterSources` are.
    ///   - building: true in a build, which then publishes nothing.
    func diagnostics(fingerprints: LeakFingerprints, chapterSources: [String], source: URL, building: Bool) -> [Diagnostic] {
        // A heading of 8 words or more is a sentence too: found as both, it is one finding.
        var files = files
        for case .heading(let text) in Array(files.keys) {
            for fingerprint in TextShingles.sentenceFingerprints(of: text) {
                guard let paths = files.removeValue(forKey: .sentence(fingerprint)) else { continue }
                files[.heading(text)] = Array(Set(files[.heading(text), default: []] + paths))
            }
        }
        var markdown: [Int: String] = [:]
        return files.map { key, paths -> Diagnostic in
            guard let chapter = fingerprints.chapter(of: key) else {
                // Not expected (every key comes from the fingerprints), but never silent.
                return Diagnostic(file: nil, message(key, words: "?", paths: paths.sorted(), building: building))
            }
            let file = chapterSources[chapter]
            if markdown[chapter] == nil {
                markdown[chapter] = (try? String(contentsOf: source.appendingPathComponent(file), encoding: .utf8)) ?? ""
            }
            let paths = paths.sorted()
            let found = LeakLocator.locate(key, inMarkdown: markdown[chapter]!)
            let words = found?.words
                ?? (try? String(contentsOf: folder.appendingPathComponent(paths[0]), encoding: .utf8)).flatMap { LeakLocator.words(of: key, inOutput: $0) }
                ?? "?"
            return Diagnostic(file: file, line: found?.line, message(key, words: words, paths: paths, building: building))
        }
    }

    private func message(_ key: LeakKey, words: String, paths: [String], building: Bool) -> String {
        var named = paths.prefix(Self.filesNamed).map { "\(label)/\($0)" }.joined(separator: ", ")
        if paths.count > Self.filesNamed { named += " and \(paths.count - Self.filesNamed) more" }
        let published = building ? "; nothing was published" : ""
        switch key {
        case .sentence:
            return "premium sentence \"\(words)\" is in clear in \(named)\(published). Reword it where it was copied or in the chapter, "
                + "or move it into the teaser or the summary, where it is public"
        case .heading:
            return "premium heading \"\(words)\" is in clear in \(named)\(published). Reword it where it was copied or in the chapter, "
                + "or make premium headings public with 'premium: public_headings: true' in site.yml"
        }
    }
}
