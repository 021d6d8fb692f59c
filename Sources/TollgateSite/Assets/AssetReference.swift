import Foundation

/// A URL in a page's HTML that points at a content asset.
struct AssetReference: Sendable {
    /// Index into ``SiteContent/assets``.
    var asset: Int
    /// The tag it is in.
    var tag: HTMLTag
    /// The attribute that holds it (lowercased).
    var attribute: String

    /// The (element, attribute) pairs whose asset a sealed page can fill in after unlock
    /// (the markup contract of docs/FORMAT.md).
    static let sealable: Set<String> = ["img src", "a href", "video poster", "video src", "source src", "audio src"]

    /// True when the reference is one tollgate.js fills in after unlock.
    var isSealable: Bool { Self.sealable.contains(tag.name + " " + attribute) }

    /// Attributes that may hold a URL of a content asset.
    private static let urlAttributes: Set<String> = ["src", "href", "poster", "srcset", "data", "xlink:href", "background", "action", "cite"]

    /// Every reference to a content asset in `html`, a page at `pagePath`.
    static func all(in html: String, onPage pagePath: String, locator: AssetLocator) -> [AssetReference] {
        guard !locator.isEmpty else { return [] }
        var references: [AssetReference] = []
        for tag in HTMLTag.all(in: html) {
            for attribute in tag.attributes {
                guard let value = attribute.value else { continue }
                if urlAttributes.contains(attribute.name) || attribute.name.hasPrefix("data-") {
                    for url in attribute.name.hasSuffix("srcset") ? candidates(ofSourceSet: value) : [value] {
                        if let asset = locator.asset(at: url, onPage: pagePath) {
                            references.append(AssetReference(asset: asset, tag: tag, attribute: attribute.name))
                        }
                    }
                } else if attribute.name == "style", value.contains("url(") {
                    for url in cssURLs(in: value) {
                        if let asset = locator.asset(at: url, onPage: pagePath) {
                            references.append(AssetReference(asset: asset, tag: tag, attribute: attribute.name))
                        }
                    }
                }
            }
        }
        return references
    }

    /// The URLs of a `srcset`: `a.png 1x, b.png 2x` → `a.png`, `b.png`.
    private static func candidates(ofSourceSet value: String) -> [String] {
        value.split(separator: ",").compactMap { $0.split(whereSeparator: \.isWhitespace).first.map(String.init) }
    }

    /// The URLs of `url(…)` in inline CSS.
    private static func cssURLs(in style: String) -> [String] {
        style.components(separatedBy: "url(").dropFirst().compactMap { rest in
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return rest[..<close].trimmingCharacters(in: .whitespaces.union(["\"", "'"]))
        }
    }
}
