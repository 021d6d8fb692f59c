/// A start tag found in HTML, with its attributes, as byte offsets into the UTF-8 text.
///
/// Enough HTML for finding and rewriting the URLs of a page's elements: comments are
/// skipped, attribute values may be double-quoted, single-quoted or bare, and the text
/// between tags is never looked at (Markdown output escapes `<` there).
struct HTMLTag: Sendable {
    struct Attribute: Sendable {
        /// Lowercased name.
        var name: String
        /// The value with character references decoded; nil for a bare attribute.
        var value: String?
        /// The attribute as written (name, `=` and value), in the tag.
        var range: Range<Int>
    }

    /// Lowercased name, e.g. `img`.
    var name: String
    var attributes: [Attribute]
    /// The whole tag, from `<` to `>`.
    var range: Range<Int>
    /// True when written `<… />`.
    var selfClosing: Bool

    func attribute(_ name: String) -> Attribute? { attributes.first { $0.name == name } }

    /// Every start tag of `html`, in order.
    static func all(in html: String) -> [HTMLTag] {
        Array(html.utf8).withUnsafeBufferPointer { all(in: $0) }
    }

    /// Every start tag of `bytes` (UTF-8), in order.
    static func all(in bytes: UnsafeBufferPointer<UInt8>) -> [HTMLTag] {
        var tags: [HTMLTag] = []
        var index = 0
        let end = bytes.count
        while index < end {
            guard bytes[index] == UInt8(ascii: "<"), index + 1 < end else {
                index += 1
                continue
            }
            if bytes[index + 1] == UInt8(ascii: "!") {
                index = skipDeclaration(bytes, from: index)
                continue
            }
            guard isLetter(bytes[index + 1]) else {
                index += 1
                continue
            }
            let (tag, next) = parseTag(bytes, from: index)
            if let tag { tags.append(tag) }
            index = next
        }
        return tags
    }

    /// Skips `<!-- … -->` or `<!DOCTYPE …>` starting at `start`.
    private static func skipDeclaration(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let end = bytes.count
        if start + 3 < end, bytes[start + 2] == UInt8(ascii: "-"), bytes[start + 3] == UInt8(ascii: "-") {
            var index = start + 4
            while index + 2 < end {
                if bytes[index] == UInt8(ascii: "-"), bytes[index + 1] == UInt8(ascii: "-"), bytes[index + 2] == UInt8(ascii: ">") {
                    return index + 3
                }
                index += 1
            }
            return end
        }
        var index = start + 2
        while index < end, bytes[index] != UInt8(ascii: ">") { index += 1 }
        return index + 1
    }

    /// Parses the tag at `start` (`<` then a letter); returns it and the offset after it.
    private static func parseTag(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (HTMLTag?, Int) {
        let end = bytes.count
        var index = start + 1
        while index < end, isNameByte(bytes[index]) { index += 1 }
        let name = lowercased(bytes, start + 1..<index)
        var attributes: [Attribute] = []
        var selfClosing = false
        while index < end {
            let byte = bytes[index]
            if isSpace(byte) {
                index += 1
            } else if byte == UInt8(ascii: ">") {
                return (HTMLTag(name: name, attributes: attributes, range: start..<index + 1, selfClosing: selfClosing), index + 1)
            } else if byte == UInt8(ascii: "/") {
                selfClosing = true
                index += 1
            } else {
                selfClosing = false
                let attributeStart = index
                while index < end, !isSpace(bytes[index]), bytes[index] != UInt8(ascii: "="), bytes[index] != UInt8(ascii: ">"),
                    bytes[index] != UInt8(ascii: "/") || index == attributeStart
                {
                    index += 1
                }
                let attributeName = lowercased(bytes, attributeStart..<index)
                var valueEnd = index
                while valueEnd < end, isSpace(bytes[valueEnd]) { valueEnd += 1 }
                guard valueEnd < end, bytes[valueEnd] == UInt8(ascii: "=") else {
                    attributes.append(Attribute(name: attributeName, value: nil, range: attributeStart..<index))
                    continue
                }
                index = valueEnd + 1
                while index < end, isSpace(bytes[index]) { index += 1 }
                guard index < end else { break }
                let quote = bytes[index]
                let valueRange: Range<Int>
                if quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") {
                    var close = index + 1
                    while close < end, bytes[close] != quote { close += 1 }
                    valueRange = index + 1..<min(close, end)
                    index = min(close + 1, end)
                } else {
                    var close = index
                    while close < end, !isSpace(bytes[close]), bytes[close] != UInt8(ascii: ">") { close += 1 }
                    valueRange = index..<close
                    index = close
                }
                let raw = String(decoding: UnsafeBufferPointer(rebasing: bytes[valueRange]), as: UTF8.self)
                attributes.append(Attribute(name: attributeName, value: HTMLText.decode(raw), range: attributeStart..<index))
            }
        }
        return (nil, end)
    }

    private static func lowercased(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self).lowercased()
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        isLetter(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0C || byte == 0x0D
    }
}
