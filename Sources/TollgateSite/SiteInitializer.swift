import Foundation

/// Creates a new site from the starter: `site.yml`, a sample course, `.gitignore`.
public enum SiteInitializer {
    /// Writes a new site into `folder`, which must not exist or be empty.
    ///
    /// - Parameter withTheme: also copy the default theme into `layouts/` for editing.
    /// - Throws: a ``Diagnostic`` when the folder has files or cannot be written.
    public static func create(at folder: URL, withTheme: Bool = false) throws {
        let manager = FileManager.default
        if let existing = try? manager.contentsOfDirectory(atPath: folder.path), !existing.isEmpty {
            throw Diagnostic(file: folder.path, "the folder is not empty; choose a new name (nothing was written)")
        }
        do {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
            let starter = BundledResources.starterURL
            for name in try manager.contentsOfDirectory(atPath: starter.path).sorted() {
                try manager.copyItem(at: starter.appendingPathComponent(name), to: folder.appendingPathComponent(name))
            }
            if withTheme {
                try manager.copyItem(at: BundledResources.themeURL, to: folder.appendingPathComponent("layouts"))
            }
            try "_site/\n.tollgate/\n".write(to: folder.appendingPathComponent(".gitignore"), atomically: true, encoding: .utf8)
        } catch let diagnostic as Diagnostic {
            throw diagnostic
        } catch {
            throw Diagnostic(file: folder.path, "cannot create the site: \(error.localizedDescription)")
        }
    }
}
