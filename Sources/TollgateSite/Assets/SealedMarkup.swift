import TollgateMarkdown

/// Rewrites the references of a premium part to its sealed assets, in the markup that
/// tollgate.js fills in after unlock (docs/FORMAT.md, "Sealed assets"):
///
/// `<img src="a.png">` → `<img data-tollgate-asset="/base/assets/sealed/<id>.bin"
/// data-tollgate-attr="src" data-tollgate-type="image/png" width="W" height="H">`, and a link
/// to a file keeps a sealed `href` plus `data-tollgate-attr="download"` and the file's
/// original name in `download`.
struct SealedMarkup: Sendable {
    /// What a page needs to know about one sealed asset.
    struct Target: Sendable {
        /// `/base/assets/sealed/<id>.bin`.
        var url: String
        /// `image/png`, …
        var type: String
        /// The original file name, for downloads.
        var fileName: String
        /// The image's size, when it is an image of a known format.
        var size: ImageSize?
    }

    let locator: AssetLocator
    /// Sealed assets by asset index.
    let targets: [Int: Target]

    /// `html` (a premium part of the page at `pagePath`) with every reference to a sealed
    /// asset rewritten; a problem for an element with two sealed assets.
    func rewrite(_ html: String, onPage pagePath: String) -> (html: String, problems: [String]) {
        let references = AssetReference.all(in: html, onPage: pagePath, locator: locator).filter { targets[$0.asset] != nil && $0.isSealable }
        guard !references.isEmpty else { return (html, []) }
        let bytes = Array(html.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + references.count * 160)
        var copied = 0
        var problems: [String] = []
        var index = 0
        while index < references.count {
            let tag = references[index].tag
            var same = index + 1
            while same < references.count, references[same].tag.range == tag.range { same += 1 }
            if same - index > 1 {
                problems.append("a <\(tag.name)> element has two sealed files (\(references[index..<same].map(\.attribute).joined(separator: ", "))): give a video its file in a <source src> element, so each element has one")
            }
            output += bytes[copied..<tag.range.lowerBound]
            output += element(tag, in: bytes, attribute: references[index].attribute, target: targets[references[index].asset]!).utf8
            copied = tag.range.upperBound
            index = same
        }
        output += bytes[copied...]
        return (String(decoding: output, as: UTF8.self), problems)
    }

    /// The tag rewritten for `target`, the other attributes kept as written.
    private func element(_ tag: HTMLTag, in html: [UInt8], attribute: String, target: Target) -> String {
        let isDownload = tag.name == "a"
        var attributes: [(String, String)] = []
        if isDownload { attributes.append(("href", target.url)) }
        attributes += [
            ("data-tollgate-asset", target.url), ("data-tollgate-attr", isDownload ? "download" : attribute),
            ("data-tollgate-type", target.type),
        ]
        if isDownload {
            let given = tag.attribute("download")?.value ?? ""
            attributes.append(("download", given.isEmpty ? target.fileName : given))
        }
        if tag.name == "img", let size = target.size {
            attributes += Self.missingDimensions(of: tag, size: size)
        }
        let replaced: Set<String> = [attribute, "download", "data-tollgate-asset", "data-tollgate-attr", "data-tollgate-type"]
        var text = "<" + tag.name
        for (name, value) in attributes { text += " \(name)=\"\(HTMLEscaping.attribute(value))\"" }
        for kept in tag.attributes where !replaced.contains(kept.name) {
            text += " " + String(decoding: html[kept.range], as: UTF8.self)
        }
        return text + (tag.selfClosing ? " />" : ">")
    }

    /// `width` and `height` the author did not give: both from the file, or the missing one
    /// scaled from the given one so the image keeps its aspect ratio.
    static func missingDimensions(of tag: HTMLTag, size: ImageSize) -> [(String, String)] {
        let width = tag.attribute("width"), height = tag.attribute("height")
        switch (width, height) {
        case (nil, nil): return [("width", String(size.width)), ("height", String(size.height))]
        case (let given?, nil):
            guard let value = given.value.flatMap(Int.init), value > 0 else { return [] }
            return [("height", String(max(1, Int((Double(value) * Double(size.height) / Double(size.width)).rounded()))))]
        case (nil, let given?):
            guard let value = given.value.flatMap(Int.init), value > 0 else { return [] }
            return [("width", String(max(1, Int((Double(value) * Double(size.width) / Double(size.height)).rounded()))))]
        default: return []
        }
    }
}
