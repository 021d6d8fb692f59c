import Foundation
import TollgateCrypto

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
    /// Unlock through this license server instead of `site.yml`'s `license_server` (a preview
    /// against a local `tollgate-server`).
    public var licenseServer: String?
    /// How premium parts leave the build: sealed (the default) or left out entirely.
    public var premium: PremiumHandling = .seal
    /// What to do when premium chapters need the master key and there is none.
    public var missingKey: MissingKeyPolicy = .create
    /// The master key, when the caller has it already; otherwise it comes from
    /// `TOLLGATE_MASTER_KEY` in ``environment`` or from the key file.
    public var masterKey: MasterKey?
    /// Where `TOLLGATE_MASTER_KEY` is read from.
    public var environment: [String: String] = ProcessInfo.processInfo.environment

    /// Options for the site at `source`; the output defaults to `source/_site`.
    public init(source: URL, output: URL? = nil, includeDrafts: Bool = false, baseURL: String? = nil) {
        self.source = source.standardizedFileURL
        self.output = (output ?? source.appendingPathComponent("_site")).standardizedFileURL
        self.includeDrafts = includeDrafts
        self.baseURL = baseURL
    }
}

/// How premium parts of chapters leave the build.
public enum PremiumHandling: Sendable {
    /// Sealed per tier (docs/FORMAT.md): members open them in the browser.
    case seal
    /// Left out: pages carry the teaser only, and no key is needed.
    case withhold
}

/// What a premium build does when no master key is configured.
public enum MissingKeyPolicy: Sendable {
    /// Make one, write it to the key file and say so (an author's first build).
    case create
    /// Fail with a message that says how to provide one (CI, `--require-key`).
    case fail
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
    /// Things the author must know (a master key was created, …), one per line.
    public var notices: [String] = []
}
