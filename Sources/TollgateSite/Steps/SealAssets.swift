import Foundation
import TollgateCrypto

extension BuildStep {
    /// Step 5: content assets that only premium parts use leave the build sealed for the
    /// readers of those chapters, under opaque names (or, with premium parts withheld, not at
    /// all); the premium parts refer to them in the markup tollgate.js fills in after unlock.
    /// An asset that a public page, a layout or a static file also uses stays public.
    static let sealAssets = BuildStep(name: "seal premium assets") { context in
        let content = context.content
        let config = context.config!
        let locator = AssetLocator(assets: content.assets, basePath: config.basePath, origin: config.origin)
        guard !locator.isEmpty, context.rendered.contains(where: { $0.premiumHTML != nil }) else { return "none" }
        let usage = AssetUsage(
            content: content, premiumHTML: context.rendered.map(\.premiumHTML), publicHTML: context.rendered.map(\.publicHTML),
            courseBodies: context.courseBodies, authorTexts: AssetUsage.authorTexts(source: context.options.source), locator: locator)
        if !usage.problems.isEmpty { throw DiagnosticList(items: usage.problems) }
        guard !usage.premiumOnly.isEmpty else { return "none" }

        let indices = usage.premiumOnly.keys.sorted()
        var premium = indices.map { index in
            let chapters = usage.premiumOnly[index]!
            let readers = Set(chapters.flatMap { config.tiers.readers(of: content.chapters[$0].tier).map(\.id) })
            return PremiumAsset(asset: content.assets[index], readers: config.tiers.tiers.map(\.id).filter(readers.contains), chapters: chapters)
        }
        context.content.assets = content.assets.indices.filter { usage.premiumOnly[$0] == nil }.map { content.assets[$0] }
        guard context.options.premium == .seal else {
            context.premiumAssets = premium
            return "\(Format.count(premium.count, "premium asset")) withheld"
        }
        let sealer = try assetSealer(&context)
        let targets = try identify(&premium, indices: indices, with: sealer, source: context.options.source, basePath: config.basePath)
        try rewriteReferences(in: &context, to: SealedMarkup(locator: locator, targets: targets), chapters: Set(usage.premiumOnly.values.joined()))
        context.premiumAssets = premium
        context.assetSealer = sealer
        return "\(Format.count(premium.count, "premium asset")) sealed"
    }

    /// The sealer of the site's assets, with the master key (read or made as for chapters).
    private static func assetSealer(_ context: inout BuildContext) throws -> AssetSealer {
        let config = context.config!
        do {
            return try AssetSealer(master: try masterKey(&context), site: config.siteID, epoch: config.epoch, tiers: config.tiers.tiers.map(\.id))
        } catch let error as CryptoError {
            throw Diagnostic(file: nil, "cannot seal premium assets: \(error)")
        }
    }

    /// Gives each premium asset its opaque id; returns what pages need to show each one
    /// (by index into the content assets, `indices` in the order of `premium`).
    private static func identify(
        _ premium: inout [PremiumAsset], indices: [Int], with sealer: AssetSealer, source: URL, basePath: String
    ) throws -> [Int: SealedMarkup.Target] {
        let files = premium.map { source.appendingPathComponent($0.asset.source) }
        let ids: [Result<String, CryptoError>] = parallelMap(files) { file in
            do throws(CryptoError) {
                return .success(try sealer.id(ofFileAt: file))
            } catch {
                return .failure(error)
            }
        }
        var bag = DiagnosticBag()
        var targets: [Int: SealedMarkup.Target] = [:]
        for (position, result) in ids.enumerated() {
            switch result {
            case .success(let id):
                premium[position].id = id
                let file = files[position]
                targets[indices[position]] = SealedMarkup.Target(
                    url: basePath + "/" + PremiumAsset.outputPath(id: id), type: MediaType.of(fileNamed: file.lastPathComponent),
                    fileName: file.lastPathComponent, size: ImageSize(fileAt: file))
            case .failure(let error):
                bag.add(Diagnostic(file: premium[position].asset.source, "cannot seal this premium asset: \(error)"))
            }
        }
        if !bag.isEmpty { throw DiagnosticList(items: bag.items) }
        return targets
    }

    /// Rewrites the premium parts of `chapters` (indices) for their sealed assets.
    private static func rewriteReferences(in context: inout BuildContext, to markup: SealedMarkup, chapters: Set<Int>) throws {
        let ordered = chapters.sorted()
        let rendered = context.rendered
        let pages = context.content.chapters
        let rewritten = parallelMap(ordered) { index in markup.rewrite(rendered[index].premiumHTML!, onPage: pages[index].urlPath) }
        var bag = DiagnosticBag()
        for (index, result) in zip(ordered, rewritten) {
            context.rendered[index].premiumHTML = result.html
            bag.add(contentsOf: result.problems.map { Diagnostic(file: pages[index].source, $0) })
        }
        if !bag.isEmpty { throw DiagnosticList(items: bag.items) }
    }
}
