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

    /// Token hashes of `text`, and the indices of the tokens that end a sentence.
    static func tokens(of text: String) -> (hashes: [UInt64], sentenceEnds: [Int]) {
        var text = text
        return text.withUTF8 { tokens(of: $0) }
    }

    /// FNV-1a's offset basis and prime, for word hashes.
    static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x100_0000_01b3

    /// For each byte, its lowercase form when it is an ASCII letter or digit, else 0.
    private static let asciiWordBytes: [UInt8] = (0...255).map { byte in
        switch UInt8(byte) {
        case 0x30...0x39, 0x61...0x7A: UInt8(byte)
        case 0x41...0x5A: UInt8(byte) | 0x20
        default: 0
        }
    }

    /// The tokenizer itself: one pass over the bytes, with tight loops for the two common
    /// cases (a run of ASCII letters and digits, and the inside of a tag).
    private static func tokens(of bytes: UnsafeBufferPointer<UInt8>) -> (hashes: [UInt64], sentenceEnds: [Int]) {
        var hashes: [UInt64] = []
        var ends: [Int] = []
        hashes.reserveCapacity(bytes.count / 6)
        var index = 0
        var current = offsetBasis
        var inWord = false
        var inTag = false
        var tagStart = 0
        var quote: UInt8 = 0
        let count = bytes.count
        return asciiWordBytes.withUnsafeBufferPointer { wordBytes in
            @inline(__always) func endWord() {
                if inWord { hashes.append(current) }
                inWord = false
                current = offsetBasis
            }
            @inline(__always) func endSentence() {
                endWord()
                if !hashes.isEmpty, ends.last != hashes.count - 1 { ends.append(hashes.count - 1) }
            }
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
                    // Markup: skip to the next quote, `>` or `&`.
                    var cursor = index
                    while cursor < count {
                        let next = bytes[cursor]
                        if next == 0x22 || next == 0x27 || next == 0x3E || next == 0x26 { break }
                        cursor += 1
                    }
                    index = cursor
                    guard index < count else { break }
                    let mark = bytes[index]
                    if mark == 0x22 || mark == 0x27 {
                        endSentence()
                        quote = mark
                        inTag = false
                    } else if mark == 0x3E {
                        inTag = false
                        if Self.endsBlock(bytes, from: tagStart) { endSentence() }
                    } else if Self.matches(bytes, index, "&gt;") {
                        inTag = false
                        if Self.endsBlock(bytes, from: tagStart) { endSentence() }
                        index += 3
                    }
                    index += 1
                    continue
                }
                let lower = wordBytes[Int(byte)]
                if lower != 0 {
                    // A run of ASCII letters and digits.
                    var hash = current
                    var cursor = index
                    var next = lower
                    repeat {
                        hash = (hash ^ UInt64(next)) &* prime
                        cursor += 1
                        guard cursor < count else { break }
                        next = wordBytes[Int(bytes[cursor])]
                    } while next != 0
                    current = hash
                    inWord = true
                    index = cursor
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
                case 0x2E, 0x21, 0x3F:  // . ! ?
                    let next = index + 1 < count ? bytes[index + 1] : 0x20
                    if next == 0x20 || next == 0x0A || next == 0x3C || next == 0x22 || next == 0x29 { endSentence() } else { endWord() }
                case 0xE3...0xE9:  // a CJK character (three bytes) is a word of its own
                    endWord()
                    if byte == 0xE3, index + 2 < count, bytes[index + 1] == 0x80, bytes[index + 2] == 0x82 {
                        endSentence()  // 。
                    } else if index + 2 < count {
                        var hash = offsetBasis
                        for offset in 0..<3 { hash = (hash ^ UInt64(bytes[index + offset])) &* prime }
                        hashes.append(hash)
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
                    current = (current ^ UInt64(byte)) &* prime
                    inWord = true
                case 0x80...0xBF:
                    if inWord { current = (current ^ UInt64(byte)) &* prime }
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
            return (hashes, ends)
        }
    }

    /// The fingerprint of the `width` token hashes starting at `start`.
    static func fingerprint(_ hashes: UnsafeBufferPointer<UInt64>, at start: Int) -> UInt64 {
        var hash: UInt64 = 0x9e37_79b9_7f4a_7c15
        for offset in start..<(start + width) { hash = ((hash &* 0x0000_0100_0000_01b3) ^ hashes[offset]) &+ (hash >> 29) }
        return hash
    }

    /// Calls `body` with the fingerprint of every run of `width` consecutive words of `text`.
    static func forEachFingerprint(of text: String, _ body: (UInt64) -> Void) {
        let hashes = tokens(of: text).hashes
        guard hashes.count >= width else { return }
        hashes.withUnsafeBufferPointer { buffer in
            for start in 0...(buffer.count - width) { body(fingerprint(buffer, at: start)) }
        }
    }

    /// Fingerprints of the first `width` words of every sentence of `width` words or more.
    static func sentenceFingerprints(of text: String) -> [UInt64] {
        let (hashes, ends) = tokens(of: text)
        var fingerprints: [UInt64] = []
        var start = 0
        hashes.withUnsafeBufferPointer { buffer in
            for end in ends + [buffer.count - 1] where end >= start {
                if end - start + 1 >= width { fingerprints.append(fingerprint(buffer, at: start)) }
                start = end + 1
            }
        }
        return fingerprints
    }

    /// Fingerprints of every run of `width` consecutive words of `text`.
    static func allFingerprints(of text: String) -> [UInt64] {
        var result: [UInt64] = []
        forEachFingerprint(of: text) { result.append($0) }
        return result
    }

    /// Block-level tags end a sentence (a heading and the paragraph after it are two).
    private static let blockTags: Set<UInt64> = Set(
        ["p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "pre", "div", "blockquote", "dt", "dd", "tr", "section", "figcaption", "title"]
            .map { name in name.utf8.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } })

    /// True when the tag starting at `start` (after its `<`) closes a block, or is `<br>`/`<hr>`.
    private static func endsBlock(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Bool {
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
        if name == 0x6272 || name == 0x6872 { return true }  // br, hr
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
