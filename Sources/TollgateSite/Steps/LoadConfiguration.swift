import Foundation

extension BuildStep {
    /// Step 1: `site.yml` (strict), the strings table of its language, and the layouts.
    static let loadConfiguration = BuildStep(name: "load configuration") { context in
        let source = context.options.source
        var bag = DiagnosticBag()
        let siteFile = source.appendingPathComponent("site.yml")
        guard FileManager.default.fileExists(atPath: siteFile.path) else {
            throw Diagnostic(file: "site.yml", "no site.yml in \(source.path): is this a Tollgate site? ('tollgate init NAME' makes one)")
        }
        let output = context.options.output.path
        if source.path == output || source.path.hasPrefix(output + "/") {
            bag.add(Diagnostic(file: nil, "the output folder \(output) contains the site itself: choose another --output"))
        }
        for folder in ["content", "layouts", "static"] where (output + "/").hasPrefix(source.appendingPathComponent(folder).path + "/") {
            bag.add(Diagnostic(file: nil, "the output folder \(output) is inside \(folder)/: choose another --output"))
        }

        let stringKeys = try StringsTable.keys()
        let config = bag.collect {
            try SiteConfig.parse(try ContentScan.read("site.yml", in: source), file: "site.yml", stringKeys: stringKeys)
        }
        let layouts = source.appendingPathComponent("layouts")
        let theme = bag.collect {
            try Theme(builtIn: BundledResources.themeURL, siteLayouts: ContentScan.isDirectory(layouts) ? layouts : nil)
        }
        guard var config, let theme, bag.isEmpty else { throw DiagnosticList(items: bag.items) }
        if let override = context.options.baseURL {
            var url = override
            while url.hasSuffix("/") { url.removeLast() }
            guard url.hasPrefix("http://") || url.hasPrefix("https://"), URLComponents(string: url)?.host != nil else {
                throw Diagnostic(file: nil, "--base-url must be an absolute http(s) URL, not '\(override)'")
            }
            config.baseURL = url
        }
        if let override = context.options.licenseServer {
            var url = override
            while url.hasSuffix("/") { url.removeLast() }
            guard url.hasPrefix("http://") || url.hasPrefix("https://"), URLComponents(string: url)?.host != nil else {
                throw Diagnostic(file: nil, "--license-server must be an absolute http(s) URL, not '\(override)'")
            }
            config.licenseServer = url
        }
        context.config = config
        context.theme = theme
        context.strings = try StringsTable.make(language: config.language, overrides: config.strings)
        return "\(Format.count(config.tiers.tiers.count, "premium tier")), language \(config.language)"
    }

    /// Step 2: courses, parts, chapters and assets from `content/`.
    static let loadContent = BuildStep(name: "load content") { context in
        let loader = ContentLoader(root: context.options.source, config: context.config, includeDrafts: context.options.includeDrafts)
        context.content = try loader.load()
        let content = context.content
        return "\(Format.count(content.courses.count, "course")), \(Format.count(content.chapters.count, "chapter")), \(Format.count(content.assets.count, "asset"))"
    }
}
