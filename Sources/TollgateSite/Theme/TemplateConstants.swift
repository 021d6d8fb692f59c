import Foundation
import TollgateMarkdown

/// Values that are the same on every page of a build (the strings table `t`, the text of
/// `site`), written into the layouts before they are parsed.
///
/// swift-mustache looks a name up by walking the context stack and casting each object to
/// several protocols; `{{t.next}}` inside `{{#chapter}}{{#next}}` costs three levels of that
/// on every page. A third of a chapter page's tags are `t.` or `site.` text, so each is
/// replaced by its rendered value once per build: `{{t.key}}` by the escaped text,
/// `{{{t.key}}}` and `{{&t.key}}` by the text as is. The output is the same byte for byte, because
/// no context object below the root has a `t` or `site` key (``PageContexts`` keeps it so),
/// and a tag is left alone whenever folding it could change what Mustache does:
///
/// - templates with a set-delimiter tag (`{{=…=}}`) or a pragma (`{{%…}}`) are not touched;
/// - sections, partials, blocks, comments and names with transforms are not folded;
/// - a value is folded only if it has a character other than white space (so a line's
///   standalone-ness cannot change) and no `{` (so it cannot make a new tag with the text
///   around it); other values keep their tag.
enum TemplateConstants {
    /// `text` with every foldable `{{root.key}}` of `constants` replaced by its value.
    static func fold(_ text: String, constants: [String: [String: String]]) -> String {
        guard !text.contains("{{="), !text.contains("{{%") else { return text }
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        let open: [UInt8] = Array("{{".utf8), close: [UInt8] = Array("}}".utf8)
        var index = 0
        bytes.withUnsafeBufferPointer { view in
            while index < view.count {
                guard let start = UTF8Search.firstOffset(of: open, in: view, from: index) else {
                    output.append(contentsOf: view[index...])
                    break
                }
                output.append(contentsOf: view[index..<start])
                let triple = start + 2 < view.count && view[start + 2] == UInt8(ascii: "{")
                let ampersand = !triple && start + 2 < view.count && view[start + 2] == UInt8(ascii: "&")
                let nameStart = start + (triple || ampersand ? 3 : 2)
                guard let closeAt = UTF8Search.firstOffset(of: close, in: view, from: nameStart) else {
                    output.append(contentsOf: view[start...])
                    index = view.count
                    break
                }
                var end = closeAt + 2
                if triple {
                    guard end < view.count, view[end] == UInt8(ascii: "}") else {
                        // Not a `{{{name}}}` tag: copy it and let Mustache judge it.
                        output.append(contentsOf: view[start..<end])
                        index = end
                        continue
                    }
                    end += 1
                }
                let name = String(decoding: view[nameStart..<closeAt], as: UTF8.self)
                if let value = foldable(name, constants: constants) {
                    output.append(contentsOf: (triple || ampersand ? value : HTMLEscaping.text(value)).utf8)
                } else {
                    output.append(contentsOf: view[start..<end])
                }
                index = end
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The value `name` folds to, or nil when its tag stays.
    private static func foldable(_ name: String, constants: [String: [String: String]]) -> String? {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let table = constants[String(parts[0])] else { return nil }
        let key = String(parts[1])
        guard !key.isEmpty, key.utf8.allSatisfy({ $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }),
            let value = table[key], !value.contains("{"), value.contains(where: { !$0.isWhitespace })
        else { return nil }
        return value
    }
}
