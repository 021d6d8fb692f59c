import Foundation

/// Finds which content asset a URL in a page points at, the way a browser would resolve it:
/// root-relative (`/base/course/images/a.png`), relative to the page, or absolute on the
/// site's own origin; percent-encoding, `./`, `../`, `?query` and `#fragment` do not matter.
struct AssetLocator: Sendable {
    private let assetsByPath: [String: Int]
    private let origin: String

    /// - Parameters:
    ///   - assets: the site's content assets; the locator answers indices into this list.
    ///   - basePath: the site's base path (`""` or `/courses`).
    ///   - origin: scheme and host of the site's base URL.
    init(assets: [Asset], basePath: String, origin: String) {
        let base = basePath.removingPercentEncoding ?? basePath
        var paths: [String: Int] = [:]
        for (index, asset) in assets.enumerated() {
            paths[base + "/" + asset.output] = index
        }
        assetsByPath = paths
        self.origin = origin.lowercased()
    }

    /// True when the site has no content assets.
    var isEmpty: Bool { assetsByPath.isEmpty }

    /// The index of the asset `url` points at, written in the page at `pagePath` (a folder
    /// path ending in `/`, e.g. `/rust/basics/hello/`); nil when it points elsewhere.
    func asset(at url: String, onPage pagePath: String) -> Int? {
        var value = Substring(url.trimmingCharacters(in: .whitespacesAndNewlines))
        if let cut = value.firstIndex(where: { $0 == "#" || $0 == "?" }) { value = value[..<cut] }
        guard !value.isEmpty else { return nil }
        if value.hasPrefix("//") {
            let schemeless = origin.drop(while: { $0 != "/" })
            guard !schemeless.isEmpty, value.lowercased().hasPrefix(schemeless + "/") else { return nil }
            value = value.dropFirst(schemeless.count)
        } else if let colon = value.firstIndex(of: ":"), !value[..<colon].contains("/") {
            guard !origin.isEmpty, value.lowercased().hasPrefix(origin + "/") else { return nil }
            value = value.dropFirst(origin.count)
        }
        let path = value.hasPrefix("/") ? String(value) : pagePath + value
        guard let decoded = path.removingPercentEncoding, let normalized = Self.normalize(decoded) else { return nil }
        return assetsByPath[normalized]
    }

    /// `/a/./b/../c` → `/a/c`; nil when it climbs above the root.
    private static func normalize(_ path: String) -> String? {
        LinkResolver.components(of: path).map { "/" + $0.joined(separator: "/") }
    }
}
