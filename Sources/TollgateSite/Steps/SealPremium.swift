import Foundation
import TollgateCrypto
import TollgateMarkdown

/// What a chapter page may show. Built only by the seal step: the premium HTML of a locked
/// chapter is not a property of this type, so no later step can put it in a page in clear.
struct PublishedChapter: Sendable {
    /// The whole chapter when public; the teaser when locked.
    let html: String
    /// Headings of `html`, for the table of contents, followed by the premium part's
    /// headings when `premium.public_headings` is on.
    let headings: [Heading]
    /// True when the chapter has a premium part that is not in `html`.
    let isLocked: Bool
    /// The sealed premium part (docs/FORMAT.md), as the page's JSON payload; nil for a
    /// public chapter, or when premium parts are withheld.
    let sealed: SealedChapter?
}

extension BuildStep {
    /// Step 5: premium parts leave the build sealed per tier (or, with
    /// ``PremiumHandling/withhold``, not at all). Every premium sentence and heading is
    /// fingerprinted for the leak check.
    static let sealPremium = BuildStep(name: "seal premium bodies") { context in
        let config = context.config!
        let locked = context.rendered.indices.filter { context.rendered[$0].premiumHTML != nil }
        var sealer: ChapterSealer?
        if !locked.isEmpty && context.options.premium == .seal {
            let master = try masterKey(&context)
            do {
                sealer = try ChapterSealer(
                    master: master, site: config.siteID, epoch: config.epoch, tiers: config.tiers.tiers.map(\.id),
                    accessCodes: config.accessCodes)
            } catch {
                throw Diagnostic(file: nil, "cannot seal premium chapters: \(error)")
            }
        }
        let chapters = context.content.chapters
        let rendered = context.rendered
        let chapterSealer = sealer
        let tiers = config.tiers
        let publicHeadings = config.publicPremiumHeadings
        let results: [Result<PublishedChapter, CryptoError>] = parallelMap(Array(rendered.indices)) { index in
            let chapter = rendered[index]
            var headings = chapter.headings
            if publicHeadings && chapter.premiumHTML != nil { headings += chapter.premiumHeadings }
            var sealed: SealedChapter?
            if let premium = chapter.premiumHTML, let sealer = chapterSealer {
                let readers = tiers.readers(of: chapters[index].tier).map(\.id)
                do throws(CryptoError) {
                    sealed = try sealer.seal(html: premium, path: chapters[index].outputFolder + "/", readers: readers)
                } catch {
                    return .failure(error)
                }
            }
            return .success(PublishedChapter(html: chapter.publicHTML, headings: headings, isLocked: chapter.premiumHTML != nil, sealed: sealed))
        }
        var published: [PublishedChapter] = []
        var bag = DiagnosticBag()
        for (index, result) in results.enumerated() {
            switch result {
            case .success(let chapter): published.append(chapter)
            case .failure(let error): bag.add(Diagnostic(file: chapters[index].source, "cannot seal the premium part: \(error)"))
            }
        }
        if !bag.isEmpty { throw DiagnosticList(items: bag.items) }

        var fingerprints = LeakFingerprints()
        let premiumSentences = parallelMap(locked) { TextShingles.sentenceFingerprints(of: rendered[$0].premiumHTML!) }
        for (index, sentences) in zip(locked, premiumSentences) {
            fingerprints.addPremium(sentences, chapter: index)
            if !publicHeadings { fingerprints.addPremiumHeadings(rendered[index].premiumHeadings, chapter: index) }
        }
        if !fingerprints.isEmpty {
            // Sentences that are public anyway (in a teaser, a free chapter, a course page,
            // a title or a summary) are not leaks.
            // Files the author publishes as they are (content assets, static/) are public too.
            let titles = chapters.map(\.title) + context.content.courses.map(\.title)
                + context.content.courses.flatMap { $0.sections.compactMap(\.part).map(\.title) }
            // With `premium.public_headings`, premium headings are in the table of contents.
            let publicTexts = published.map(\.html) + context.courseBodies
                + published.flatMap { $0.headings.map { "\(HTMLEscaping.text($0.text))." } }
                + chapters.map { "\($0.title). \($0.summary ?? "")." }
                + context.content.courses.map { "\($0.title). \($0.summary)." }
                + context.content.courses.flatMap { $0.sections.compactMap(\.part).map { "\($0.title). \($0.summary)." } }
                + chapters.flatMap(\.tags).map { "\($0)." }
                + ["\(config.title). \(config.description). \(config.copyright)."]
                + context.strings.values.values.map { "\($0)." }
            let publicFingerprints = parallelMap(publicTexts) { TextShingles.allFingerprints(of: $0) }
                + parallelMap(authorFiles(context)) { file in
                    FileManager.default.contents(atPath: file.path).map {
                        LeakScanner.allFingerprints(of: String(decoding: $0, as: UTF8.self), pathExtension: file.pathExtension)
                    } ?? []
                }
            fingerprints.seal()
            for list in publicFingerprints { fingerprints.removePublic(list) }
            // A heading whose text is public anyway (a title, a public heading, a table cell of
            // a free chapter, …) is not a secret.
            for html in published.map(\.html) + context.courseBodies { fingerprints.removePublicElementTexts(ofHTML: html) }
            fingerprints.removePublicHeadings(
                titles + published.flatMap { $0.headings.map(\.text) } + chapters.flatMap(\.tags) + Array(context.strings.values.values)
                    + [config.title])
        }
        context.rendered = []
        context.published = published
        context.accessCodes = sealer?.codes
        context.fingerprints = fingerprints
        if context.options.premium == .withhold || locked.isEmpty {
            return "\(Format.count(locked.count, "premium part")) withheld"
        }
        return "\(Format.count(locked.count, "premium part")) sealed for \(Format.count(config.tiers.tiers.count, "tier")), epoch \(config.epoch)"
    }

    /// The master key: given by the caller, from the environment or the key file, or made
    /// now (an author's first premium build) when the policy allows it.
    static func masterKey(_ context: inout BuildContext) throws -> MasterKey {
        if let key = context.options.masterKey { return key }
        let source = context.options.source
        if let (key, _) = try MasterKeyLocator.find(source: source, config: context.config, environment: context.options.environment) {
            return key
        }
        switch context.options.missingKey {
        case .fail:
            throw Diagnostic(file: nil, MasterKeyLocator.missingKeyMessage(source: source, config: context.config))
        case .create:
            let (key, file) = try MasterKeyLocator.create(source: source, config: context.config)
            let ignored = file.standardizedFileURL.path.hasPrefix(source.standardizedFileURL.path + "/") ? ", listed in .gitignore" : ""
            context.notices.append(
                "Created the site's master key in \(file.path) (mode 0600\(ignored)). Back it up: without it, "
                    + "members' keys and codes stop working at the next build. In CI, give it as \(MasterKeyLocator.environmentVariable).")
            return key
        }
    }

    /// Text files the site copies as they are: content assets and `static/`.
    private static func authorFiles(_ context: BuildContext) -> [URL] {
        let source = context.options.source
        var files = context.content.assets.map { source.appendingPathComponent($0.source) }
        let statics = source.appendingPathComponent("static")
        if let enumerator = FileManager.default.enumerator(atPath: statics.path) {
            files += enumerator.allObjects.compactMap { $0 as? String }.map { statics.appendingPathComponent($0) }
        }
        return files.filter { LeakScanner.textExtensions.contains($0.pathExtension.lowercased()) }
    }
}
