import Foundation

/// Looks for premium text in output files: while pages are written, in the build's last
/// step, and in `tollgate check --leaks`.
///
/// HTML and XML are read as a reader sees them (``TextShingles``). Scripts, JSON and the
/// other text files, and the bodies of a page's `<script>` and `<style>` elements, can hold
/// premium text in strings next to anything: they are read with their string escapes
/// decoded, twice, once as markup (a search index's HTML) and once as bare words, so
/// neither markup nor escapes can hide a sentence. A URL is one word either way.
struct LeakScanner: Sendable {
    let fingerprints: LeakFingerprints

    /// Extensions of files that can carry text.
    static let textExtensions: Set<String> = ["html", "htm", "xml", "json", "js", "mjs", "txt", "css", "svg", "md", "webmanifest", "map"]
    /// Extensions of the files read as markup only (their scripts aside).
    static let markupExtensions: Set<String> = ["html", "htm", "xml", "svg"]

    /// Premium text in `text`, the content of a file with this extension.
    func leaks(in text: String, pathExtension: String) -> Set<LeakKey> {
        guard !fingerprints.isEmpty else { return [] }
        return Self.markupExtensions.contains(pathExtension.lowercased()) ? leaks(inPage: text) : leaks(inScript: text)
    }

    /// Premium text in an HTML or XML page: its text, then its scripts and style sheets.
    func leaks(inPage html: String) -> Set<LeakKey> {
        guard !fingerprints.isEmpty else { return [] }
        var scripts: [Range<Int>] = []
        var found = fingerprints.leaks(in: html, scripts: &scripts)
        let bytes = html.utf8
        for range in scripts {
            let start = bytes.index(bytes.startIndex, offsetBy: range.lowerBound)
            let body = String(decoding: bytes[start..<bytes.index(start, offsetBy: range.count)], as: UTF8.self)
            found.formUnion(leaks(inScript: body))
        }
        return found
    }

    /// Premium text in a script, JSON or other text that may hold strings.
    func leaks(inScript text: String) -> Set<LeakKey> {
        let decoded = ScriptEscapes.decoding(text)
        return fingerprints.leaks(in: decoded).union(fingerprints.leaks(in: decoded, markup: false))
    }

    /// Every fingerprint the scan reads in `text`, the content of a file with this
    /// extension: what a file the author publishes as is makes public.
    static func allFingerprints(of text: String, pathExtension: String) -> [UInt64] {
        var result: [UInt64] = []
        func addScript(_ script: String) {
            let decoded = ScriptEscapes.decoding(script)
            TextShingles.forEachFingerprint(of: decoded) { result.append($0) }
            TextShingles.forEachFingerprint(of: decoded, markup: false) { result.append($0) }
        }
        guard markupExtensions.contains(pathExtension.lowercased()) else {
            addScript(text)
            return result
        }
        let scripts = TextShingles.forEachFingerprint(of: text) { result.append($0) }
        let bytes = Array(text.utf8)
        for range in scripts { addScript(String(decoding: bytes[range], as: UTF8.self)) }
        return result
    }

    /// Every text file of `folder` but those in `skipping` (relative paths), checked on
    /// every core.
    ///
    /// - Parameter label: how the report names the folder (e.g. `_site`).
    /// - Returns: what was found, and the number of text files scanned.
    func scan(folder: URL, label: String, skipping: Set<String> = []) -> (report: LeakReport, files: Int) {
        var files: [String] = []
        if let enumerator = FileManager.default.enumerator(atPath: folder.path) {
            for case let path as String in enumerator
            where !skipping.contains(path) && Self.textExtensions.contains((path as NSString).pathExtension.lowercased()) {
                files.append(path)
            }
        }
        files.sort()
        var report = LeakReport(folder: folder, label: label)
        guard !fingerprints.isEmpty else { return (report, files.count) }
        let results: [Set<LeakKey>] = parallelMap(files) { path in
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(path).path) else { return [] }
            return leaks(in: String(decoding: data, as: UTF8.self), pathExtension: (path as NSString).pathExtension)
        }
        for (path, found) in zip(files, results) { report.add(found, path: path) }
        return (report, files.count)
    }
}
