import Foundation

/// What to build and how.
public struct BuildOptions: Sendable {
    /// The site's folder (with `site.yml`, `content/`, optional `layouts/` and `static/`).
    public var source: URL
    /// Where the site goes; replaced as a whole only when the build succeeds.
    public var output: URL
    /// Build chapters and courses marked `draft: true` too.
    public var includeDrafts: Bool
    /// Serve the site from this URL instead of `site.yml`'s `base_url` (e.g. for a preview).
    public var baseURL: String?

    /// Options for the site at `source`; the output defaults to `source/_site`.
    public init(source: URL, output: URL? = nil, includeDrafts: Bool = false, baseURL: String? = nil) {
        self.source = source.standardizedFileURL
        self.output = (output ?? source.appendingPathComponent("_site")).standardizedFileURL
        self.includeDrafts = includeDrafts
        self.baseURL = baseURL
    }
}

/// What a successful build did.
public struct BuildReport: Sendable {
    /// Files written (pages, feeds, assets).
    public var files: Int
    /// HTML pages written.
    public var pages: Int
    /// Chapters built.
    public var chapters: Int
    /// Premium chapters whose premium part was kept out of the site.
    public var premiumChapters: Int
    /// Wall time of the build, in seconds.
    public var seconds: Double
    /// Where the site is.
    public var output: URL
}
