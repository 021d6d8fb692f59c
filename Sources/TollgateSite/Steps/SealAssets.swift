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

        let tierIDs = config.tiers.tiers.map(\.id)
        let indices = usage.premiumOnly.keys.sorted()
        var premium = indices.map { index in
            let chapters = usage.premiumOnly[index]!
            let readers = Set(chapters.flatMap { config.tiers.readers(of: content.chapters[$0].tier).map(\.id) })
            return PremiumAsset(asset: content.assets[index], readers: tierIDs.filter(readers.contains), chapters: chapters)
        }
        context.content.assets = content.assets.indices.filter { usage.premiumOnly[$0] == nil }.map { content.assets[$0] }
        guard context.options.premium == .seal else {
            context.premiumAssets = premium
            return "\(Format.count(premium.count, "premium asset")) withheld"
        }

        let sealer: AssetSealer
        do {
            sealer = try AssetSealer(master: try masterKey(&context), site: config.siteID, epoch: config.epoch, tiers: tierIDs)
        } catch let error as CryptoError {
            throw Diagnostic(file: nil, "cannot seal premium assets: \(error)")
        }
        let source = context.options.source
        let ids: [Result<String, CryptoError>] = parallelMap(premium) { asset in
            do throws(CryptoError) {
                return .success(try sealer.id(ofFileAt: source.appendingPathComponent(asset.asset.source)))
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
                let file = source.appendingPathComponent(premium[position].asset.source)
                targets[indices[position]] = SealedMarkup.Target(
                    url: config.basePath + "/" + PremiumAsset.outputPath(id: id), type: MediaType.of(fileNamed: file.lastPathComponent),
                    fileName: file.lastPathComponent, size: ImageSize(fileAt: file))
            case .failure(let error):
                bag.add(Diagnostic(file: premium[position].asset.source, "cannot seal this premium asset: \(error)"))
            }
        }
        if !bag.isEmpty { throw DiagnosticList(items: bag.items) }

        let markup = SealedMarkup(locator: locator, targets: targets)
        let chapters = Set(usage.premiumOnly.values.joined()).sorted()
        let rendered = context.rendered
        let rewritten = parallelMap(chapters) { index in
            markup.rewrite(rendered[index].premiumHTML!, onPage: content.chapters[index].urlPath)
        }
        for (index, result) in zip(chapters, rewritten) {
            context.rendered[index].premiumHTML = result.html
            bag.add(contentsOf: result.problems.map { Diagnostic(file: content.chapters[index].source, $0) })
        }
        if !bag.isEmpty { throw DiagnosticList(items: bag.items) }
        context.premiumAssets = premium
        context.assetSealer = sealer
        return "\(Format.count(premium.count, "premium asset")) sealed"
    }
}
