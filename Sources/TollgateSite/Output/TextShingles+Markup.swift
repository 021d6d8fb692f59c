/// How ``TextShingles`` reads markup: tag names, which attribute values are shown, entities.
extension TextShingles {
    /// Block-level tags end a sentence (a heading and the paragraph after it are two).
    static let blockTags: Set<UInt64> = Set(
        ["p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "pre", "div", "blockquote", "dt", "dd", "tr", "section", "figcaption", "title"]
            .map(packedName))

    static let script = packedName("script")
    static let style = packedName("style")

    /// Attributes whose values a reader is shown: they are text, like an element's.
    private static let shownAttributes: Set<UInt64> = Set(["alt", "title", "aria-label", "placeholder", "label", "content"].map(packedName))

    static let quotEntity = Array("&quot;".utf8)

    /// Up to 8 lowercase ASCII bytes of a name, packed in an integer.
    static func packedName(_ name: String) -> UInt64 {
        name.utf8.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1 | 0x20) }
    }

    /// The name of the tag starting at `start` (after its `<`), packed, and whether it closes.
    static func tagName(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (name: UInt64, closing: Bool) {
        var index = start
        let closing = index < bytes.count && bytes[index] == 0x2F
        if closing { index += 1 }
        var name: UInt64 = 0
        var length = 0
        while index < bytes.count, length < 8 {
            let byte = bytes[index]
            let lower = byte | 0x20
            guard (0x61...0x7A).contains(lower) || (0x30...0x39).contains(byte) else { break }
            name = name << 8 | UInt64(lower)
            length += 1
            index += 1
        }
        return (name, closing)
    }

    /// True when a `<` followed by the byte at `index` opens a tag (a letter, `/`, `!` or
    /// `?`), as in HTML: `a < b` in a script is not markup.
    static func startsTag(_ bytes: UnsafeBufferPointer<UInt8>, _ index: Int) -> Bool {
        guard index < bytes.count else { return false }
        let byte = bytes[index]
        return (0x61...0x7A).contains(byte | 0x20) || byte == 0x2F || byte == 0x21 || byte == 0x3F
    }

    /// Whether the quoted value starting at `quote` belongs to an attribute in
    /// `shownAttributes` (`alt="…"`, `content=&quot;…`); nil when the quote follows no `=`
    /// and starts no value.
    static func isShownAttribute(_ bytes: UnsafeBufferPointer<UInt8>, before quote: Int) -> Bool? {
        var index = quote - 1
        while index >= 0, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x09 { index -= 1 }
        guard index >= 0, bytes[index] == 0x3D else { return nil }
        index -= 1
        while index >= 0, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x09 { index -= 1 }
        let end = index + 1
        while index >= 0, (0x61...0x7A).contains(bytes[index] | 0x20) || bytes[index] == 0x2D { index -= 1 }
        guard end - index - 1 <= 12, end > index + 1 else { return false }
        var name: UInt64 = 0
        for offset in (index + 1)..<end where end - offset <= 8 { name = name << 8 | UInt64(bytes[offset] | 0x20) }
        // Names longer than 8 bytes are packed by their last 8: check the whole name then.
        if end - index - 1 > 8 {
            return matches(bytes, index + 1, "aria-label") && end - index - 1 == 10
                || matches(bytes, index + 1, "placeholder") && end - index - 1 == 11
        }
        return shownAttributes.contains(name)
    }

    /// The index of the quote that closes a value opened before `start`, or the last index.
    static func valueEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, quote: UInt8) -> Int {
        var index = start
        while index < bytes.count, bytes[index] != quote { index += 1 }
        return min(index, bytes.count - 1)
    }

    /// The index of `closing` (`</script`, in any case) at or after `start`, or the end.
    static func closingTag(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, name closing: StaticString) -> Int {
        var index = start
        while index < bytes.count {
            if bytes[index] == 0x3C, matches(bytes, index, closing) { return index }
            index += 1
        }
        return bytes.count
    }

    /// The index of the `;` ending the entity at `start` (its `&`), or `start` when there is
    /// none. A doubly escaped entity (`&amp;lt;`, as in a feed) is one entity.
    static func entityEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        func semicolon(after index: Int) -> Int? {
            var end = index + 1
            while end < bytes.count, end < index + 10, bytes[end] != 0x3B {
                let byte = bytes[end]
                guard (0x61...0x7A).contains(byte | 0x20) || (0x30...0x39).contains(byte) || byte == 0x23 else { return nil }
                end += 1
            }
            return end < bytes.count && bytes[end] == 0x3B ? end : nil
        }
        guard let end = semicolon(after: start) else { return start }
        if end == start + 4, matches(bytes, start, "&amp;"), let inner = semicolon(after: end) { return inner }
        return end
    }

    /// True when the bytes at `index` are `literal`, ignoring ASCII case.
    static func matches(_ bytes: UnsafeBufferPointer<UInt8>, _ index: Int, _ literal: StaticString) -> Bool {
        let length = literal.utf8CodeUnitCount
        guard index >= 0, index + length <= bytes.count else { return false }
        let pointer = literal.utf8Start
        for offset in 0..<length where bytes[index + offset] | 0x20 != pointer[offset] | 0x20 { return false }
        return true
    }
}
