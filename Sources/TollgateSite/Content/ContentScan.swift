import Foundation

/// The files of `content/`, sorted into courses, parts, chapters and assets, before any is read.
struct ContentScan {
    struct CourseScan {
        var folder: String
        var index: String
        var chapters: [String] = []
        var parts: [PartScan] = []
        var assets: [String] = []
        var assetFolders: [String] = []

        var allMarkdown: [String] { [index] + chapters + parts.flatMap { [$0.index] + $0.chapters } }
    }

    struct PartScan {
        var folder: String
        var index: String
        var chapters: [String] = []
        var assetFolders: [String] = []
    }

    struct MarkdownFile: Sendable {
        var path: String
        var kind: FrontMatter.Kind
    }

    var courses: [CourseScan] = []
    var rootAssets: [String] = []
    var problems: [Diagnostic] = []
    /// Every path above is in Unicode NFC (docs/authoring.md, "Slugs and URLs"); this maps the
    /// ones whose name on disk is written otherwise (NFD, as macOS writes them) to that name.
    private(set) var diskPaths: [String: String] = [:]

    /// The name on disk of `path`, a path of this scan.
    func diskPath(_ path: String) -> String { diskPaths[path] ?? path }

    /// Every Markdown file to read, with its kind.
    var markdownFiles: [MarkdownFile] {
        courses.flatMap { course in
            [MarkdownFile(path: course.index, kind: .course)]
                + course.chapters.map { MarkdownFile(path: $0, kind: .chapter) }
                + course.parts.flatMap { part in
                    [MarkdownFile(path: part.index, kind: .part)] + part.chapters.map { MarkdownFile(path: $0, kind: .chapter) }
                }
        }
    }

    /// Walks `root/content`.
    ///
    /// - Throws: a ``Diagnostic`` when there is no `content/` folder.
    init(root: URL) throws {
        let content = root.appendingPathComponent("content")
        guard Self.isDirectory(content) else {
            throw Diagnostic(file: "content", "no content/ folder: create content/<course>/_index.md (or run 'tollgate init')")
        }
        for name in entries(of: "content", root: root) {
            let path = "content/\(name)"
            if Self.isDirectory(root.appendingPathComponent(diskPath(path))) {
                scanCourse(name, root: root)
            } else if name.hasSuffix(".md") {
                problems.append(Diagnostic(file: path, "chapter outside any course: move it into a course folder (content/<course>/) that has an _index.md"))
            } else {
                rootAssets.append(path)
            }
        }
    }

    private mutating func scanCourse(_ folder: String, root: URL) {
        let base = "content/\(folder)"
        let names = entries(of: base, root: root)
        guard names.contains("_index.md") else {
            problems.append(Diagnostic(file: base, "missing _index.md: every course folder needs one with at least a 'title'"))
            return
        }
        var course = CourseScan(folder: folder, index: "\(base)/_index.md")
        for name in names where name != "_index.md" {
            let path = "\(base)/\(name)"
            if Self.isDirectory(root.appendingPathComponent(diskPath(path))) {
                let children = entries(of: path, root: root)
                if children.contains("_index.md") {
                    var part = PartScan(folder: name, index: "\(path)/_index.md")
                    for entry in children where entry != "_index.md" {
                        let entryPath = "\(path)/\(entry)"
                        if Self.isDirectory(root.appendingPathComponent(diskPath(entryPath))) {
                            part.assetFolders.append(entry)
                            collectAssets(entryPath, root: root, into: &course.assets)
                        } else if entry.hasSuffix(".md") {
                            part.chapters.append(entryPath)
                        } else {
                            course.assets.append(entryPath)
                        }
                    }
                    course.parts.append(part)
                } else {
                    course.assetFolders.append(name)
                    collectAssets(path, root: root, into: &course.assets)
                }
            } else if name.hasSuffix(".md") {
                course.chapters.append(path)
            } else {
                course.assets.append(path)
            }
        }
        courses.append(course)
    }

    /// Adds every file under `path` as an asset; Markdown there is an error, since it
    /// would belong to no course or part.
    private mutating func collectAssets(_ path: String, root: URL, into assets: inout [String]) {
        for name in entries(of: path, root: root) {
            let child = "\(path)/\(name)"
            if Self.isDirectory(root.appendingPathComponent(diskPath(child))) {
                collectAssets(child, root: root, into: &assets)
            } else if name.hasSuffix(".md") {
                problems.append(Diagnostic(file: child, "chapter outside any course or part: the folder \(path)/ has no _index.md (add one to make it a part)"))
            } else {
                assets.append(child)
            }
        }
    }

    /// The visible entries of the folder `path` (NFC), their names in NFC, sorted. Two names
    /// that normalise to one are a problem naming both; the second is left out.
    private mutating func entries(of path: String, root: URL) -> [String] {
        let folder = diskPath(path)
        var names: [String: String] = [:]  // NFC name: name on disk
        for name in Self.list(root.appendingPathComponent(folder)) {
            let normal = name.nfc
            if let other = names[normal] {
                let (first, second) = other.unicodeScalars.elementsEqual(normal.unicodeScalars) ? (other, name) : (name, other)
                problems.append(Diagnostic(
                    file: "\(path)/\(normal)",
                    "two files have this one name once Unicode is normalised: \(path)/\(first) (\(Self.form(of: first))) and \(path)/\(second) (\(Self.form(of: second))); rename or remove one of them"))
                continue
            }
            names[normal] = name
            if !name.unicodeScalars.elementsEqual(normal.unicodeScalars) || folder != path {
                diskPaths["\(path)/\(normal)"] = "\(folder)/\(name)"
            }
        }
        return names.keys.sorted()
    }

    /// How `name` is written: `NFC`, `NFD, decomposed` or `not normalised`.
    private static func form(of name: String) -> String {
        if name.unicodeScalars.elementsEqual(name.precomposedStringWithCanonicalMapping.unicodeScalars) { return "NFC" }
        if name.unicodeScalars.elementsEqual(name.decomposedStringWithCanonicalMapping.unicodeScalars) { return "NFD, decomposed" }
        return "not normalised"
    }

    /// The visible entries of a folder, sorted.
    static func list(_ url: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? [])
            .filter { !$0.hasPrefix(".") }
            .sorted()
    }

    static func isDirectory(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// The UTF-8 text of `path` (relative to `root`).
    ///
    /// - Throws: a ``Diagnostic`` when it cannot be read or is not UTF-8.
    static func read(_ path: String, in root: URL) throws -> String {
        let url = root.appendingPathComponent(path)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw Diagnostic(file: path, "cannot read the file (check its permissions)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Diagnostic(file: path, "the file is not valid UTF-8 text")
        }
        return text
    }
}
