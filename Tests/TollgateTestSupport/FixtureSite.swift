import Foundation

/// Fixture sites on disk, copied to a temporary folder so tests can build and change them.
package struct FixtureSite {
    /// The copy's folder.
    package let root: URL

    /// Copies `folder` to a fresh temporary folder.
    package init(copying folder: URL) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-fixture-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: folder, to: root)
    }

    /// A copy of the repository's example site: `site.yml` and `content/` (its `layouts/` is
    /// the built-in theme itself).
    package static func exampleSite() throws -> FixtureSite {
        let site = FixtureSite(root: FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-example-\(UUID().uuidString)"))
        try FileManager.default.createDirectory(at: site.root, withIntermediateDirectories: true)
        for name in ["site.yml", "content"] {
            try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent(name), to: site.root.appendingPathComponent(name))
        }
        return site
    }

    private init(root: URL) { self.root = root }

    /// A fresh output folder path (not created).
    package func outputFolder(_ name: String = "_site") -> URL {
        root.appendingPathComponent(name)
    }

    /// The text of `path` in `folder`.
    package static func read(_ path: String, in folder: URL) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(path), encoding: .utf8)
    }

    /// Every file under `folder`, relative and sorted.
    package static func files(in folder: URL) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        var files: [String] = []
        for case let path as String in enumerator {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent(path).path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(path)
            }
        }
        return files.sorted()
    }

    /// The repository's root (for the example site).
    package static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    package func remove() { try? FileManager.default.removeItem(at: root) }
}
