import Foundation

/// Which content assets public pages use, and which only premium parts of chapters use.
///
/// Public: any reference in a free chapter, a teaser, a course page, or any mention of the
/// asset's path in `layouts/`, `static/` or `site.yml`. Premium-only: every other asset that
/// a premium part references; it is sealed for the readers of every chapter that uses it.
struct AssetUsage: Sendable {
    /// Chapters (indices) whose premium part uses each premium-only asset, by asset index.
    var premiumOnly: [Int: [Int]] = [:]
    /// Assets that stay public.
    var publicAssets: Set<Int> = []
    /// References that a sealed page cannot fill in (a `srcset`, inline CSS, …) to assets
    /// that are premium-only: the build fails on them rather than publish the asset in clear.
    var problems: [Diagnostic] = []

    /// - Parameters:
    ///   - premiumHTML: the premium part of each chapter (nil for a public chapter).
    ///   - publicHTML: the public HTML of each chapter (whole chapter, or teaser).
    ///   - authorTexts: the text of the site's layouts, `static/` files and `site.yml`.
    init(content: SiteContent, premiumHTML: [String?], publicHTML: [String], courseBodies: [String], authorTexts: [String], locator: AssetLocator) {
        guard !locator.isEmpty else { return }
        let chapters = content.chapters
        let publicPages: [(html: String, page: String)] =
            zip(publicHTML, chapters).map { ($0, $1.urlPath) } + zip(courseBodies, content.courses).map { ($0, $1.urlPath) }
        let publicReferences = parallelMap(publicPages) { AssetReference.all(in: $0.html, onPage: $0.page, locator: locator).map(\.asset) }
        publicAssets = Set(publicReferences.joined())
        let mentioned = parallelMap(Array(content.assets.enumerated())) { index, asset in
            Self.isMentioned(asset, in: authorTexts) ? index : nil
        }
        publicAssets.formUnion(mentioned.compactMap { $0 })

        let premium = premiumHTML.indices.filter { premiumHTML[$0] != nil }
        let premiumReferences = parallelMap(premium) { index in
            AssetReference.all(in: premiumHTML[index]!, onPage: chapters[index].urlPath, locator: locator)
        }
        var unsealable: Set<String> = []
        for (chapter, references) in zip(premium, premiumReferences) {
            for reference in references where !publicAssets.contains(reference.asset) {
                if premiumOnly[reference.asset]?.last != chapter { premiumOnly[reference.asset, default: []].append(chapter) }
                let asset = content.assets[reference.asset].source
                if !reference.isSealable, unsealable.insert("\(chapter) \(asset) \(reference.tag.name) \(reference.attribute)").inserted {
                    problems.append(
                        Diagnostic(
                            file: chapters[chapter].source,
                            "the premium part uses \(asset) in <\(reference.tag.name) \(reference.attribute)>, which a sealed page cannot fill in: "
                                + "use it as <img src>, <a href>, <video poster>, <source src> or <audio src>, or use it on a public page too to publish it in clear"))
                }
            }
        }
    }

    /// True when `text` names the asset's output path (as written, or percent-encoded).
    private static func isMentioned(_ asset: Asset, in texts: [String]) -> Bool {
        let encoded = asset.output.split(separator: "/").map { Slug.encode(String($0)) }.joined(separator: "/")
        let forms = Set([asset.output, encoded])
        return texts.contains { text in forms.contains { UTF8Search.firstOffset(of: $0, in: text) != nil } }
    }

    /// Files whose text may name an asset's URL.
    private static let textExtensions: Set<String> = ["mustache", "html", "htm", "xml", "json", "js", "mjs", "css", "svg", "txt", "md", "webmanifest", "yml", "yaml"]

    /// The text of the files an author publishes around the content: `layouts/`, `static/`
    /// (text files only) and `site.yml`.
    static func authorTexts(source: URL) -> [String] {
        var files = [source.appendingPathComponent("site.yml")]
        for folder in ["layouts", "static"] {
            let root = source.appendingPathComponent(folder)
            guard let enumerator = FileManager.default.enumerator(atPath: root.path) else { continue }
            files += enumerator.allObjects.compactMap { $0 as? String }.map { root.appendingPathComponent($0) }
                .filter { textExtensions.contains($0.pathExtension.lowercased()) }
        }
        return files.compactMap { FileManager.default.contents(atPath: $0.path).map { String(decoding: $0, as: UTF8.self) } }
    }
}
