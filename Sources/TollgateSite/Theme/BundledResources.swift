import Foundation

/// The files shipped inside Tollgate: the default theme, the strings tables and the starter site.
public enum BundledResources {
    /// The folder of the built-in theme (layouts and `assets/`).
    public static var themeURL: URL { url("theme") }

    /// The folder of the site `tollgate init` writes.
    public static var starterURL: URL { url("starter") }

    /// The folder of the strings tables (`en.yml`, `zh-CN.yml`).
    static var stringsURL: URL { url("strings") }

    private static func url(_ name: String) -> URL {
        Bundle.module.resourceURL!.appendingPathComponent(name)
    }
}
