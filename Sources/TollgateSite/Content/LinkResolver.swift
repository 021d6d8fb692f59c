import Foundation
import TollgateMarkdown
import TollgateYAML

/// Rewrites links written in Markdown: relative `.md` paths to page URLs, relative asset
/// paths to the copied files' URLs. Anything else (absolute URLs, `/paths`, `#fragments`,
/// `mailto:`) is left as written.
struct LinkResolver: Sendable {
    let pagesBySource: [String: String]
    let assetsBySource: [String: String]
    let skippedDrafts: Set<String>
    let basePath: String

    init(content: SiteContent, basePath: String) {
        pagesBySource = content.pagesBySource
        assetsBySource = content.assetsBySource
        skippedDrafts = content.skippedDrafts
        self.basePath = basePath
    }

    /// Resolves `reference`, found in the Markdown file `source` (`content/…/x.md`).
    func resolve(_ reference: LinkReference, from source: String) -> LinkResolution {
        let destination = reference.destination
        guard Self.isRelative(destination) else { return .keep }
        var path = destination
        var suffix = ""
        if let cut = path.firstIndex(where: { $0 == "#" || $0 == "?" }) {
            suffix = String(path[cut...])
            path = String(path[..<cut])
        }
        // Content paths are NFC (ContentScan); a link may be written in another form.
        let decoded = (path.removingPercentEncoding ?? path).nfc
        let folder = (source as NSString).deletingLastPathComponent
        guard let target = Self.normalize(folder + "/" + decoded) else {
            return .problem("broken link to '\(destination)': it points outside content/ (link to static files with a path from the site root, e.g. /files/x.pdf)")
        }
        if decoded.hasSuffix(".md") {
            if let url = pagesBySource[target] {
                guard !suffix.isEmpty else { return .replace(url) }
                // A part's page is an anchor on its course page: keep one fragment.
                return .replace(url.contains("#") ? url : url + suffix)
            }
            if skippedDrafts.contains(target) {
                return .problem("broken link to '\(destination)': \(target) is a draft (build with --drafts, or remove the link)")
            }
            return .problem("broken link to '\(destination)': no chapter at \(target)\(nearestChapter(to: target, from: folder))")
        }
        if let output = assetsBySource[target] {
            return .replace(basePath + "/" + output.split(separator: "/").map { Slug.encode(String($0)) }.joined(separator: "/") + suffix)
        }
        let what = reference.isImage ? "image" : "link"
        if !reference.isImage, pagesBySource[target + ".md"] != nil {
            let written = path.hasSuffix("/") ? String(path.dropLast()) : path
            return .problem("broken link '\(destination)': no file at \(target); a link to a chapter names its file, with '.md' (did you mean '\(written).md\(suffix)'?)")
        }
        return .problem("broken \(what) '\(destination)': no file at \(target)")
    }

    /// ` (did you mean '…'?)` with the chapter path closest to `target`, written relative to
    /// `folder` as a link would be; or an empty string when none is close.
    private func nearestChapter(to target: String, from folder: String) -> String {
        guard let closest = Suggestion.closest(to: target, in: pagesBySource.keys.sorted()) else { return "" }
        return " (did you mean '\(Self.relativePath(from: folder, to: closest))'?)"
    }

    /// `to` written relative to the folder `from` (both under `content/`): `../b/x.md`.
    static func relativePath(from folder: String, to path: String) -> String {
        let base = folder.split(separator: "/")
        let target = path.split(separator: "/")
        var common = 0
        while common < min(base.count, target.count - 1), base[common] == target[common] { common += 1 }
        return (Array(repeating: "..", count: base.count - common) + target[common...].map(String.init)).joined(separator: "/")
    }

    /// True for a path relative to the current file: no scheme, not `/…`, not `#…`, not empty.
    static func isRelative(_ destination: String) -> Bool {
        guard let first = destination.first, first != "/", first != "#", first != "?" else { return false }
        if let colon = destination.firstIndex(of: ":"),
            !destination[..<colon].contains(where: { $0 == "/" || $0 == "#" || $0 == "?" })
        {
            return false
        }
        return true
    }

    /// `a/b/../c` → `a/c`; nil when it climbs above the top or leaves `content/`.
    static func normalize(_ path: String) -> String? {
        guard let parts = components(of: path), parts.first == "content" else { return nil }
        return parts.joined(separator: "/")
    }

    /// The components of `path` with `.` and `..` applied (`/a/./b/../c` → `a`, `c`); nil
    /// when it climbs above the top.
    static func components(of path: String) -> [Substring]? {
        var parts: [Substring] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..":
                guard !parts.isEmpty else { return nil }
                parts.removeLast()
            default: parts.append(component)
            }
        }
        return parts
    }
}
