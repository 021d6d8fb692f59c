import Foundation

extension BuildStep {
    /// Step 7: theme assets, content assets, `static/`, sitemap, feed and robots.txt.
    static let writeSite = BuildStep(name: "write the site") { context in
        let staging = OutputFolder(url: context.staging, written: context.written)
        var files = 0
        for asset in context.theme.assets {
            try staging.copy(asset.url, to: "assets/" + asset.name)
            files += 1
        }
        let source = context.options.source
        for asset in context.content.assets {
            try staging.copy(source.appendingPathComponent(asset.source), to: asset.output)
            files += 1
        }
        if let sealer = context.assetSealer {
            files += try PremiumAsset.writeSealed(
                context.premiumAssets, tiers: context.config.tiers.tiers.map(\.id), with: sealer, from: source, into: staging.url)
        }
        let statics = source.appendingPathComponent("static")
        if ContentScan.isDirectory(statics), let enumerator = FileManager.default.enumerator(atPath: statics.path) {
            for path in enumerator.allObjects.compactMap({ $0 as? String }).sorted() {
                let file = statics.appendingPathComponent(path)
                guard !ContentScan.isDirectory(file), !(path as NSString).lastPathComponent.hasPrefix(".") else { continue }
                try staging.copy(file, to: path)
                files += 1
            }
        }
        if let codes = context.accessCodes {
            try staging.write(UnlockModule.text(config: context.config, strings: context.strings, codes: codes), to: UnlockModule.file)
            files += 1
        }
        let feeds = Feeds(config: context.config, strings: context.strings, content: context.content, published: context.published, tagURLs: context.tagURLs)
        try staging.write(feeds.sitemap(), to: "sitemap.xml")
        try staging.write(feeds.atom(), to: "feed.xml")
        try staging.write(feeds.robots(), to: "robots.txt")
        files += 3
        files += try MemberFiles.write(context, into: staging)  // last: its build id covers every other file
        context.files += files
        return "\(Format.count(files, "file")) besides pages"
    }
}
