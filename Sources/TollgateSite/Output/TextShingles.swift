/// Word sequences of HTML-ish text, for finding premium sentences in the output.
///
/// Markup (`<…>`, also escaped as `&lt;…&gt;`) is skipped but for quoted attribute values,
/// which are text (a `<meta content>` can leak as well as a paragraph); words are lowercased ASCII runs
/// or runs of other letters, and each CJK character counts as a word, so Chinese
/// sentences have "words" too. Premium text and output files go through the same code, so
/// whatever markup surrounds a sentence, the same words give the same fingerprints.
enum TextShingles {
    /// Words per fingerprint: a sentence of this many words or more is checked.
    static let width = 8

    /// Token hashes of `text`, with `true` after a token that ends a sentence.
    static func tokens(of text: String) -> [(hash: UInt64, endsSentence: Bool)] {
        var result: [(UInt64, Bool)] = []
        var text = text
        text.withUTF8 { bytes in
            var index = 0
            var current: UInt64 = 0
            var inWord = false
            var inTag = false
            var tagStart = 0
            var quote: UInt8 = 0
            func endWord() {
                if inWord { result.append((current, false)) }
                inWord = false
                current = 0xcbf2_9ce4_8422_2325
            }
            func endSentence() {
                endWord()
                if !result.isEmpty { result[result.count - 1].1 = true }
            }
            current = 0xcbf2_9ce4_8422_2325
            let count = bytes.count
            while index < count {
                let byte = bytes[index]
                if quote != 0 {
                    // Inside a quoted attribute value: its text is text (meta descriptions, alt text).
                    if byte == quote {
                        endSentence()
                        quote = 0
                        inTag = true
                        index += 1
                        continue
                    }
                    if byte == 0x3C || byte == 0x3E {
                        endWord()
                        index += 1
                        continue
                    }
                } else if inTag {
                    if byte == 0x22 || byte == 0x27 {
                        endSentence()
                        quote = byte
                        inTag = false
                    } else if byte == 0x3E {
                        inTag = false
                        if Self.endsBlock(bytes, from: tagStart) { endSentence() }
                    } else if byte == 0x26, Self.matches(bytes, index, "&gt;") {
                        inTag = false
                        if Self.endsBlock(bytes, from: tagStart) { endSentence() }
                        index += 3
                    }
                    index += 1
                    continue
                }
                switch byte {
                case 0x3C:  // <
                    endWord()
                    inTag = true
                    tagStart = index + 1
                case 0x26:  // &entity;
                    endWord()
                    if quote == 0, Self.matches(bytes, index, "&lt;") {
                        inTag = true
                        tagStart = index + 4
                        index += 3
                    } else {
                        var end = index + 1
                        while end < count, end < index + 10, bytes[end] != 0x3B { end += 1 }
                        if end < count, bytes[end] == 0x3B { index = end }
                    }
                case 0x30...0x39, 0x61...0x7A:
                    current = (current ^ UInt64(byte)) &* 0x100_0000_01b3
                    inWord = true
                case 0x41...0x5A:
                    current = (current ^ UInt64(byte | 0x20)) &* 0x100_0000_01b3
                    inWord = true
                case 0x2E, 0x21, 0x3F:  // . ! ?
                    let next = index + 1 < count ? bytes[index + 1] : 0x20
                    if next == 0x20 || next == 0x0A || next == 0x3C || next == 0x22 || next == 0x29 { endSentence() } else { endWord() }
                case 0xE3...0xE9:  // a CJK character (three bytes) is a word of its own
                    endWord()
                    if byte == 0xE3, index + 2 < count, bytes[index + 1] == 0x80, bytes[index + 2] == 0x82 {
                        endSentence()  // 。
                    } else if index + 2 < count {
                        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
                        for offset in 0..<3 { hash = (hash ^ UInt64(bytes[index + offset])) &* 0x100_0000_01b3 }
                        result.append((hash, false))
                    }
                    index += 2
                case 0xEF:  // fullwidth ！ and ？ end sentences; other three-byte signs separate words
                    if index + 2 < count, bytes[index + 1] == 0xBC, bytes[index + 2] == 0x81 || bytes[index + 2] == 0x9F {
                        endSentence()
                    } else {
                        endWord()
                    }
                    index += 2
                case 0xC0...0xDF, 0xF0...0xFF:
                    // Letters of other scripts (two- and four-byte sequences) are part of words.
                    current = (current ^ UInt64(byte)) &* 0x100_0000_01b3
                    inWord = true
                case 0x80...0xBF:
                    if inWord { current = (current ^ UInt64(byte)) &* 0x100_0000_01b3 }
                case 0xE0...0xE2, 0xEA...0xEE:
                    // Punctuation such as curly quotes and dashes (E2 80 xx) separates words.
                    endWord()
                    index += 2
                default:
                    endWord()
                }
                index += 1
            }
            endWord()
        }
        return result
    }

    /// The fingerprint of `width` consecutive token hashes.
    static func fingerprint<C: Collection>(_ tokens: C) -> UInt64 where C.Element == UInt64 {
        var hash: UInt64 = 0x9e37_79b9_7f4a_7c15
        for token in tokens { hash = (hash &* 0x0000_0100_0000_01b3) ^ token &+ (hash >> 29) }
        return hash
    }

    /// Fingerprints of the first `width` words of every sentence of `width` words or more.
    static func sentenceFingerprints(of text: String) -> [UInt64] {
        let tokens = tokens(of: text)
        var fingerprints: [UInt64] = []
        var start = 0
        for (index, token) in tokens.enumerated() where token.endsSentence || index == tokens.count - 1 {
            if index - start + 1 >= width {
                fingerprints.append(fingerprint(tokens[start..<(start + width)].map(\.hash)))
            }
            start = index + 1
        }
        return fingerprints
    }

    /// Fingerprints of every run of `width` consecutive words of `text`.
    static func allFingerprints(of text: String) -> [UInt64] {
        let hashes = tokens(of: text).map(\.hash)
        guard hashes.count >= width else { return [] }
        return (0...(hashes.count - width)).map { fingerprint(hashes[$0..<($0 + width)]) }
    }

    /// Block-level tags end a sentence (a heading and the paragraph after it are two).
    private static let blockTags: [[UInt8]] = ["p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "pre", "div", "blockquote", "dt", "dd", "tr", "section", "figcaption", "title"].map { Array($0.utf8) }

    /// True when the tag starting at `start` (after its `<`) closes a block, or is `<br>`.
    private static func endsBlock(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Bool {
        var index = start
        let closing = index < bytes.count && bytes[index] == 0x2F
        if closing { index += 1 }
        var name: [UInt8] = []
        while index < bytes.count, name.count < 12 {
            let byte = bytes[index] | 0x20
            guard (0x61...0x7A).contains(byte) || (0x30...0x39).contains(bytes[index]) else { break }
            name.append(byte)
            index += 1
        }
        if name == Array("br".utf8) || name == Array("hr".utf8) { return true }
        return closing && blockTags.contains(name)
    }

    private static func matches(_ bytes: UnsafeBufferPointer<UInt8>, _ index: Int, _ literal: StaticString) -> Bool {
        let length = literal.utf8CodeUnitCount
        guard index + length <= bytes.count else { return false }
        let pointer = literal.utf8Start
        for offset in 0..<length where bytes[index + offset] | 0x20 != pointer[offset] | 0x20 { return false }
        return true
    }
}
