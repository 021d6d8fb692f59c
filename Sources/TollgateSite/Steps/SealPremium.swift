import Foundation
import TollgateMarkdown

/// What a chapter page may show. Built only by the seal step: the premium HTML of a locked
/// chapter is not a property of this type, so no later step can put it in a page.
struct PublishedChapter: Sendable {
    /// The whole chapter when public; the teaser when locked.
    let html: String
    /// Headings of `html`, for the table of contents.
    let headings: [Heading]
    /// True when the chapter's premium part was kept out of the page.
    let isLocked: Bool
}

extension BuildStep {
    /// Step 5: premium parts leave the build sealed. Until sealing exists, they do not leave
    /// it at all: the page carries the teaser and the unlock panel. Every premium sentence is
    /// fingerprinted for the verify step.
    static let sealPremium = BuildStep(name: "seal premium bodies") { context in
        var fingerprints = LeakFingerprints()
        var published: [PublishedChapter] = []
        published.reserveCapacity(context.rendered.count)
        for (index, rendered) in context.rendered.enumerated() {
            if let premium = rendered.premiumHTML { fingerprints.addPremium(html: premium, chapter: index) }
            published.append(PublishedChapter(html: rendered.publicHTML, headings: rendered.headings, isLocked: rendered.premiumHTML != nil))
        }
        if !fingerprints.isEmpty {
            // Sentences that are public anyway (in a teaser, a free chapter, a course page,
            // a title or a summary) are not leaks.
            // Files the author publishes as they are (content assets, static/) are public too.
            let publicTexts = published.map(\.html) + context.courseBodies
                + context.content.chapters.map { "\($0.title). \($0.summary ?? "")." }
                + context.content.courses.map { "\($0.title). \($0.summary)." }
                + context.content.courses.flatMap { $0.sections.compactMap(\.part).map { "\($0.title). \($0.summary)." } }
                + context.content.chapters.flatMap(\.tags).map { "\($0)." }
                + ["\(context.config.title). \(context.config.description). \(context.config.copyright)."]
                + context.strings.values.values.map { "\($0)." }
                + authorFiles(context).compactMap { FileManager.default.contents(atPath: $0.path).map { String(decoding: $0, as: UTF8.self) } }
            let publicFingerprints = parallelMap(publicTexts) { TextShingles.allFingerprints(of: $0) }
            fingerprints.seal()
            for list in publicFingerprints { fingerprints.removePublic(list) }
        }
        context.rendered = []
        context.published = published
        context.fingerprints = fingerprints
        let locked = published.filter(\.isLocked).count
        return "\(Format.count(locked, "premium part")) withheld"
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

    /// Step 8: no premium sentence anywhere in the output.
    static let verify = BuildStep(name: "verify") { context in
        let scanner = LeakScanner(fingerprints: context.fingerprints, chapterSources: context.content.chapters.map(\.source))
        let leaks = context.pageLeaks
            + scanner.scan(folder: context.staging, label: context.options.output.lastPathComponent, skipping: context.scannedFiles)
        if !leaks.isEmpty { throw DiagnosticList(items: leaks) }
        return "no premium text in \(Format.count(context.files, "file"))"
    }
}
