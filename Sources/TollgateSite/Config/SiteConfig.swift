import TollgateYAML
import Foundation
import TollgateMarkdown
import TollgateSiteFacts

/// A site's configuration, read strictly from `site.yml`.
public struct SiteConfig: Sendable {
    /// The site's name.
    public var title: String
    /// One line about the site, for the catalog and search engines.
    public var description: String
    /// The absolute URL the site is served from, without a trailing slash.
    public var baseURL: String
    /// The language of the site's text and interface (`en`, `zh-CN`).
    public var language: String
    /// The author, for the feed.
    public var author: String
    /// The copyright line of the footer.
    public var copyright: String
    /// The license server's URL, when members unlock through one.
    public var licenseServer: String?
    /// How Markdown is rendered.
    public var markdownOptions: MarkdownOptions
    /// How fenced code is highlighted (`highlight`).
    public var highlight = HighlightSettings()
    /// How many entries `feed.xml` lists.
    public var feedLimit: Int
    /// The premium tiers.
    public var tiers: TierCatalog
    /// The key epoch (bumped by key rotation).
    public var epoch: Int
    /// The master key file, relative to the site's folder (`keys.file`).
    public var keyFile: String
    /// Whether sealed pages carry envelopes for access codes (`premium.access_codes`).
    public var accessCodes: Bool
    /// Whether the headings of premium parts may appear in tables of contents (`premium.public_headings`).
    public var publicPremiumHeadings: Bool
    /// Overrides of the strings table, by key.
    public var strings: [String: String]

    /// The path part of ``baseURL``: "" for a site at the root, "/courses" under a sub-path.
    public var basePath: String {
        guard let components = URLComponents(string: baseURL) else { return "" }
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        return path
    }

    /// Scheme and host of ``baseURL`` (``baseURL`` without ``basePath``): a page's
    /// absolute URL is this followed by its root-relative path.
    public var origin: String { String(baseURL.dropLast(basePath.count)) }

    /// The site id of the sealed format: host and path of ``baseURL`` (docs/FORMAT.md).
    public var siteID: String {
        let host = URLComponents(string: baseURL)?.host?.lowercased() ?? ""
        let port = URLComponents(string: baseURL)?.port.map { ":\($0)" } ?? ""
        return host + port + (basePath.removingPercentEncoding ?? basePath)
    }

    /// The default master key file, relative to the site's folder.
    public static let defaultKeyFile = SiteFacts.defaultKeyFile

    /// Languages with a built-in strings table.
    public static let languages = ["en", "zh-CN"]

    static let keys = [
        "title", "description", "base_url", "language", "author", "copyright", "license_server",
        "markdown", "feed_limit", "tiers", "keys", "premium", "strings", "highlight",
    ]
    static let markdownKeys = ["raw_html", "smart_punctuation"]
    static let premiumKeys = ["access_codes", "public_headings"]

    /// Reads `site.yml`.
    ///
    /// - Parameters:
    ///   - text: the file's text.
    ///   - file: the path shown in messages.
    ///   - stringKeys: the keys a `strings:` override may use.
    /// - Throws: ``DiagnosticList`` with every problem found.
    static func parse(_ text: String, file: String, stringKeys: Set<String>) throws -> SiteConfig {
        let yaml = try YAMLObject.parse(text, file: file, what: "site.yml")
        yaml.rejectUnknownKeys(allowed: keys)
        let title = readTitle(yaml)
        let baseURL = readBaseURL(yaml)
        let language = readLanguage(yaml)
        let options = readMarkdownOptions(yaml)
        let feedLimit = readFeedLimit(yaml)
        let facts = SiteFacts.read(from: yaml)
        let (accessCodes, publicHeadings) = readPremium(yaml)
        let strings = readStrings(yaml, allowed: stringKeys)
        var config = SiteConfig(
            title: title,
            description: yaml.string("description") ?? "",
            baseURL: baseURL,
            language: language,
            author: yaml.string("author") ?? "",
            copyright: yaml.string("copyright") ?? "",
            licenseServer: yaml.string("license_server"),
            markdownOptions: options,
            feedLimit: feedLimit,
            tiers: TierCatalog(tiers: facts.tiers.map { Tier(id: $0.id, name: $0.name, checkoutURL: $0.checkoutURL, includes: $0.includes) }),
            epoch: facts.epoch,
            keyFile: facts.keyFile,
            accessCodes: accessCodes,
            publicPremiumHeadings: publicHeadings,
            strings: strings
        )
        config.highlight = HighlightSettings.read(from: yaml)
        let problems = yaml.allProblems
        if !problems.isEmpty { throw DiagnosticList(items: problems) }
        return config
    }

    private static func readTitle(_ yaml: YAMLObject) -> String {
        let title = yaml.string("title") ?? ""
        if title.isEmpty { yaml.report("'title' is required in site.yml") }
        return title
    }

    /// `base_url` without its trailing slashes.
    private static func readBaseURL(_ yaml: YAMLObject) -> String {
        var baseURL = yaml.string("base_url") ?? ""
        if baseURL.isEmpty {
            yaml.report("'base_url' is required in site.yml (e.g. https://courses.example.com)")
        } else if !(baseURL.hasPrefix("https://") || baseURL.hasPrefix("http://")) || URLComponents(string: baseURL)?.host == nil {
            yaml.report(at: "base_url", "'base_url' must be an absolute http(s) URL, not '\(baseURL)'")
        }
        while baseURL.hasSuffix("/") { baseURL.removeLast() }
        return baseURL
    }

    private static func readLanguage(_ yaml: YAMLObject) -> String {
        let language = yaml.string("language") ?? "en"
        if !languages.contains(language) {
            yaml.report(at: "language", "unknown language '\(language)'; built in: \(languages.joined(separator: ", "))\(Suggestion.hint(for: language, in: languages))")
        }
        return language
    }

    private static func readMarkdownOptions(_ yaml: YAMLObject) -> MarkdownOptions {
        var options: MarkdownOptions = [.smartPunctuation]
        if let markdown = yaml.object("markdown", what: "'markdown' of site.yml") {
            markdown.rejectUnknownKeys(allowed: markdownKeys)
            if markdown.bool("raw_html") == true { options.insert(.rawHTML) }
            if markdown.bool("smart_punctuation") == false { options.remove(.smartPunctuation) }
        }
        return options
    }

    private static func readFeedLimit(_ yaml: YAMLObject) -> Int {
        let feedLimit = yaml.int("feed_limit") ?? 20
        if feedLimit < 0 { yaml.report(at: "feed_limit", "'feed_limit' must not be negative") }
        return max(0, feedLimit)
    }

    /// `premium.access_codes` and `premium.public_headings`.
    private static func readPremium(_ yaml: YAMLObject) -> (accessCodes: Bool, publicHeadings: Bool) {
        guard let premium = yaml.object("premium", what: "'premium' of site.yml") else { return (true, false) }
        premium.rejectUnknownKeys(allowed: premiumKeys)
        return (premium.bool("access_codes") ?? true, premium.bool("public_headings") ?? false)
    }

    private static func readStrings(_ yaml: YAMLObject, allowed stringKeys: Set<String>) -> [String: String] {
        var strings: [String: String] = [:]
        for entry in yaml.stringMap("strings") ?? [] {
            if stringKeys.contains(entry.key) {
                strings[entry.key] = entry.value
            } else {
                yaml.report(at: "strings", "unknown string '\(entry.key)' under 'strings'\(Suggestion.hint(for: entry.key, in: stringKeys))")
            }
        }
        return strings
    }
}
