import Foundation
import TollgateCrypto

/// The state a build's steps read and fill in, in order.
struct BuildContext {
    let options: BuildOptions
    var config: SiteConfig!
    var strings: StringsTable!
    var theme: Theme!
    var content = SiteContent()
    /// Step 3: the public and premium Markdown of each chapter (same order as `content.chapters`).
    var sources: [ChapterSource] = []
    /// Step 4: rendered chapters and course landing texts.
    var rendered: [RenderedChapter] = []
    var courseBodies: [String] = []
    /// Step 5: content assets that only premium parts use (sealed, or withheld), and the
    /// sealer that writes them; these assets are no longer in `content.assets`.
    var premiumAssets: [PremiumAsset] = []
    var assetSealer: AssetSealer?
    /// Step 5: what each chapter page may show. Premium HTML never gets past this step.
    var published: [PublishedChapter] = []
    var fingerprints = LeakFingerprints()
    /// Step 5: the access code envelopes of the site module; nil when nothing was sealed.
    var accessCodes: [AccessCodeEnvelope]?
    /// Step 6: the URL of every tag page, for the sitemap.
    var tagURLs: [String] = []
    /// Step 6: pages already checked for premium text while they were written.
    var scannedFiles: Set<String> = []
    /// Step 6: premium text found in those pages, reported by the verify step.
    var pageLeaks: LeakReport?
    /// The folder being written; moved into place after the last step.
    var staging: URL!
    /// The files written into `staging` so far, with their digests (for the build id).
    var written: WrittenFiles?
    /// Things the author must know, for the report.
    var notices: [String] = []
    var files = 0
    var pages = 0

    init(options: BuildOptions) { self.options = options }
}
