import Foundation
import TollgateCrypto

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The files of the member's side that every site has at its root (docs/authoring.md,
/// "What the build writes"): the "How unlocking works" page, the web app manifest, and the
/// service worker that keeps a course for offline reading once a member asks for it.
///
/// Written last by the write step, so the service worker's build id covers every other file:
/// a deploy that changes anything gives a new service worker, which refreshes the courses a
/// member keeps offline. The same input gives the same id (the build is reproducible).
enum MemberFiles {
    /// The service worker at the site root (its scope is the whole site).
    static let serviceWorker = "sw.js"
    /// The web app manifest at the site root.
    static let manifest = "manifest.webmanifest"

    /// Writes the help page, the manifest and the service worker into `staging`.
    /// - Returns: how many files it wrote.
    static func write(_ context: BuildContext, into staging: OutputFolder) throws -> Int {
        let pages = PageContexts(
            config: context.config, strings: context.strings, content: context.content, published: context.published,
            courseBodies: context.courseBodies)
        try staging.write(context.theme.render(HelpPage.kind, HelpPage.context(pages)), to: HelpPage.slug + "/index.html")
        try staging.write(manifestText(config: context.config), to: manifest)
        let build = try buildID(of: staging.url, known: staging.written)
        try staging.write(try serviceWorkerText(basePath: context.config.basePath, build: build), to: serviceWorker)
        return 3
    }

    /// `manifest.webmanifest`: name, start URL and scope at the site root, the theme's icons
    /// (`assets/icon-192.png`, `assets/icon-512.png`, full-bleed so they also serve as
    /// maskable icons, and `assets/favicon.svg`).
    static func manifestText(config: SiteConfig) -> String {
        let json = Encoding.jsonString
        let root = config.basePath + "/"
        return """
            {"name":\(json(config.title)),"short_name":\(json(String(config.title.prefix(12)))),\
            "description":\(json(config.description)),"lang":\(json(config.language)),\
            "start_url":\(json(root)),"scope":\(json(root)),"display":"standalone",\
            "background_color":"#ffffff","theme_color":"#4338ca",\
            "icons":[{"src":\(json(config.basePath + "/assets/icon-192.png")),"sizes":"192x192","type":"image/png","purpose":"any maskable"},\
            {"src":\(json(config.basePath + "/assets/icon-512.png")),"sizes":"512x512","type":"image/png","purpose":"any maskable"},\
            {"src":\(json(config.basePath + "/assets/favicon.svg")),"sizes":"any","type":"image/svg+xml","purpose":"any"}]}

            """
    }

    /// The service worker of the theme with this site's root and build id written in.
    static func serviceWorkerText(basePath: String, build: String) throws -> String {
        let source = BundledResources.themeURL.appendingPathComponent("service-worker.js")
        let text = try String(contentsOf: source, encoding: .utf8)
        return text
            .replacingOccurrences(of: "\"__TOLLGATE_BUILD__\"", with: Encoding.jsonString(build))
            .replacingOccurrences(of: "\"__TOLLGATE_ROOT__\"", with: Encoding.jsonString(basePath + "/"))
    }

    /// 16 hex digits of SHA-256 over every file of the folder: its path, its size, and its
    /// bytes for files up to 1 MiB (larger ones, sealed downloads and media, by path and size).
    /// Files in `known` are not read again: their digests were taken as they were written.
    static func buildID(of folder: URL, known: WrittenFiles? = nil) throws -> String {
        var listing: [UInt8] = []
        let root = folder.resolvingSymlinksInPath()
        guard let files = regularFiles(under: root) else { return "0" }
        for file in files.sorted(by: { $0.path < $1.path }) {
            listing += Array("\(file.path)\t\(file.size)\t".utf8)
            if file.size <= 1 << 20 {
                listing += try known?.digest(of: file.path, size: file.size) ?? sha256(Array(Data(contentsOf: file.url)))
            }
            listing.append(0x0A)
        }
        return Encoding.hex(sha256(listing).prefix(8))
    }

    /// The regular files under `root` (symbolic links neither listed nor followed), with
    /// their paths from `root` starting with `/`; nil when `root` cannot be read.
    /// Plain `readdir` and `lstat`: Foundation's resource values look up each file's owner and
    /// group by name (reading /etc/passwd and /etc/group twice per file).
    private static func regularFiles(under root: URL) -> [(path: String, url: URL, size: Int)]? {
        var files: [(path: String, url: URL, size: Int)] = []
        var folders = [""]
        var first = true
        while let relative = folders.popLast() {
            guard let directory = opendir(root.path + relative) else {
                if first { return nil }
                continue
            }
            first = false
            defer { closedir(directory) }
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                guard name != ".", name != ".." else { continue }
                let path = relative + "/" + name
                var status = stat()
                guard lstat(root.path + path, &status) == 0 else { continue }
                switch status.st_mode & S_IFMT {
                case S_IFDIR: folders.append(path)
                case S_IFREG: files.append((path, root.appendingPathComponent(String(path.dropFirst())), Int(status.st_size)))
                default: continue
                }
            }
        }
        return files
    }
}

/// "How unlocking works": a page of the theme that every site has, at `/how-unlocking-works/`.
enum HelpPage {
    static let slug = "how-unlocking-works"
    /// The page kind and the theme template that renders it.
    static let kind = "help"

    static func context(_ pages: PageContexts) -> [String: Any] {
        let url = pages.config.basePath + "/" + slug + "/"
        let title = pages.strings["help_title"]
        return pages.page(
            kind: kind, title: title, description: pages.strings["help_lead"], url: url, breadcrumbs: [pages.home, (title, url)],
            values: [:])
    }
}
