/// Word sequences of the text a reader sees in HTML-ish text, for finding premium sentences
/// in the output.
///
/// What is read: element text, and the values of the attributes a reader is shown (`alt`,
/// `title`, `aria-label`, `placeholder`, `label`, and `content`, as in meta descriptions and
/// Open Graph tags). Everything else of the markup is skipped: tags, URLs, ids, class
/// names, `data-*` values, and the bodies of `<script>` and `<style>`. Markup escaped as
/// `&lt;…&gt;` (a feed's HTML) is read the same way. Without `markup`, `<`, `>` and `&`
/// only separate words: that reading is for scripts and JSON, whose strings may hold
/// anything (see ``LeakScanner``).
///
/// Words are lowercased runs of ASCII letters and digits, or runs of other letters; each CJK
/// character is a word of its own. Runs joined by the punctuation of URL paths with no space
/// (`-`, `_`, `/`, `@`, `~`, `%`, `+`) are one word, so a slug or a URL's path is one word
/// however many words it has. Premium text and output files go through the same code, so whatever
/// markup surrounds a sentence, the same words give the same fingerprints.
enum TextShingles {
    /// Words per fingerprint: a sentence of this many words or more is checked.
    static let width = 8

    /// Token hashes of `text`, and the indices of the tokens that end a sentence.
    static func tokens(of text: String, markup: Bool = true) -> (hashes: [UInt64], sentenceEnds: [Int]) {
        var text = text
        var ranges: [Range<Int>] = []
        var scripts: [Range<Int>] = []
        return text.withUTF8 { tokens(of: $0, markup: markup, ranges: &ranges, scripts: &scripts, recording: false) }
    }

    /// Token hashes of `bytes` with the byte range of each token, for reports.
    static func tokensWithRanges(of bytes: UnsafeBufferPointer<UInt8>, markup: Bool = true) -> (hashes: [UInt64], ranges: [Range<Int>]) {
        var ranges: [Range<Int>] = []
        var scripts: [Range<Int>] = []
        let hashes = tokens(of: bytes, markup: markup, ranges: &ranges, scripts: &scripts, recording: true).hashes
        return (hashes, ranges)
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

    /// True for the punctuation of URL paths and identifiers, which joins words it stands
    /// between. Not `.`, `:` or `?`: text extracted without spaces between blocks
    /// (`first.Second`) keeps its sentences apart.
    private static let joiners: [Bool] = (0...255).map { Array("-_/@~%+".utf8).contains(UInt8($0)) }

    /// The tokenizer itself: one pass over the bytes, with tight loops for the common cases
    /// (a run of ASCII letters and digits, the inside of a tag, an attribute value not shown).
    /// `scripts` gets the byte ranges of the `<script>` and `<style>` bodies it skipped;
    /// `ranges` the byte range of each token when `recording`.
    private static func tokens(
        of bytes: UnsafeBufferPointer<UInt8>, markup: Bool, ranges: inout [Range<Int>], scripts: inout [Range<Int>], recording: Bool
    ) -> (hashes: [UInt64], sentenceEnds: [Int]) {
        var hashes: [UInt64] = []
        var ends: [Int] = []
        hashes.reserveCapacity(bytes.count / 6)
        var index = 0
        var current = offsetBasis
        var inWord = false
        var wordStart = 0
        var inTag = false
        var escapedTag = false
        var tagStart = 0
        // The quote of the attribute value being read: `"`, `'`, or `&` for `&quot;`.
        var quote: UInt8 = 0
        let count = bytes.count
        return (asciiWordBytes.withUnsafeBufferPointer { wordBytes in
            joiners.withUnsafeBufferPointer { joiners in
                @inline(__always) func endWord() {
                    if inWord {
                        hashes.append(current)
                        if recording { ranges.append(wordStart..<index) }
                    }
                    inWord = false
                    current = offsetBasis
                }
                @inline(__always) func endSentence() {
                    endWord()
                    if !hashes.isEmpty, ends.last != hashes.count - 1 { ends.append(hashes.count - 1) }
                }
                /// Ends the tag whose name starts at `tagStart`: block ends end a sentence, and
                /// the body of a `<script>` or `<style>` is skipped. `index` is on the tag's last byte.
                @inline(__always) func endTag() {
                    inTag = false
                    let (name, closing) = tagName(bytes, from: tagStart)
                    if name == 0x6272 || name == 0x6872 || (closing && blockTags.contains(name)) {
                        endSentence()
                    } else if !closing, !escapedTag, name == script || name == style {
                        endSentence()
                        let end = closingTag(bytes, from: index + 1, name: name == script ? "</script" : "</style")
                        if end > index + 1 { scripts.append((index + 1)..<end) }
                        index = end - 1
                    }
                }
                while index < count {
                    let byte = bytes[index]
                    if quote != 0 {
                        // Inside the value of an attribute that is shown (alt, title, …): text.
                        if byte == quote && (quote != 0x26 || matches(bytes, index, "&quot;")) {
                            endSentence()
                            index += quote == 0x26 ? 6 : 1
                            quote = 0
                            inTag = true
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
                        if mark == 0x22 || mark == 0x27 || matches(bytes, index, "&quot;") {
                            let escaped = mark == 0x26
                            let open = index + (escaped ? 6 : 1)
                            guard let shown = isShownAttribute(bytes, before: index) else {
                                // Not a value (`it's` in a comment): markup goes on.
                                index = open
                                continue
                            }
                            if shown {
                                endSentence()
                                quote = mark
                                inTag = false
                                index = open
                            } else {
                                // A value nobody sees (a URL, an id, a class): skipped whole.
                                index = escaped ? (UTF8Search.firstOffset(of: quotEntity, in: bytes, from: open).map { $0 + 6 } ?? count)
                                    : (valueEnd(bytes, from: open, quote: mark) + 1)
                            }
                            continue
                        } else if mark == 0x3E {
                            endTag()
                        } else if matches(bytes, index, "&gt;") {
                            endTag()
                            index += 3
                        }
                        index += 1
                        continue
                    }
                    let lower = wordBytes[Int(byte)]
                    if lower != 0 {
                        // A run of ASCII letters and digits, and of runs joined by URL punctuation.
                        if !inWord { wordStart = index }
                        var hash = current
                        var cursor = index
                        var next = lower
                        while true {
                            repeat {
                                hash = (hash ^ UInt64(next)) &* prime
                                cursor += 1
                                next = cursor < count ? wordBytes[Int(bytes[cursor])] : 0
                            } while next != 0
                            guard cursor + 1 < count, joiners[Int(bytes[cursor])] else { break }
                            var after = cursor + 1
                            while after < count, after - cursor < 3, joiners[Int(bytes[after])] { after += 1 }
                            guard after < count, wordBytes[Int(bytes[after])] != 0 else { break }
                            while cursor < after {
                                hash = (hash ^ UInt64(bytes[cursor])) &* prime
                                cursor += 1
                            }
                            next = wordBytes[Int(bytes[cursor])]
                        }
                        current = hash
                        inWord = true
                        index = cursor
                        continue
                    }
                    switch byte {
                    case 0x3C:  // <
                        endWord()
                        if markup, quote == 0, startsTag(bytes, index + 1) {
                            inTag = true
                            escapedTag = false
                            tagStart = index + 1
                        }
                    case 0x26:  // &entity;
                        endWord()
                        guard markup else { break }
                        if quote == 0, matches(bytes, index, "&lt;"), startsTag(bytes, index + 4) {
                            inTag = true
                            escapedTag = true
                            tagStart = index + 4
                            index += 3
                        } else {
                            index = entityEnd(bytes, from: index)
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
                            if recording { ranges.append(index..<(index + 3)) }
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
                        if !inWord { wordStart = index }
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
                index = min(index, count)
                endWord()
                return hashes
            }
        }, ends)
    }

    /// The fingerprint of the `width` token hashes starting at `start`.
    static func fingerprint(_ hashes: UnsafeBufferPointer<UInt64>, at start: Int) -> UInt64 {
        var hash: UInt64 = 0x9e37_79b9_7f4a_7c15
        for offset in start..<(start + width) { hash = ((hash &* 0x0000_0100_0000_01b3) ^ hashes[offset]) &+ (hash >> 29) }
        return hash
    }

    /// Calls `body` with the fingerprint of every run of `width` consecutive words of `text`.
    ///
    /// - Returns: the byte ranges of the `<script>` and `<style>` bodies of `text`, whose
    ///   words were skipped.
    @discardableResult
    static func forEachFingerprint(of text: String, markup: Bool = true, _ body: (UInt64) -> Void) -> [Range<Int>] {
        var text = text
        var ranges: [Range<Int>] = []
        var scripts: [Range<Int>] = []
        let hashes = text.withUTF8 { tokens(of: $0, markup: markup, ranges: &ranges, scripts: &scripts, recording: false) }.hashes
        guard hashes.count >= width else { return scripts }
        hashes.withUnsafeBufferPointer { buffer in
            for start in 0...(buffer.count - width) { body(fingerprint(buffer, at: start)) }
        }
        return scripts
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
}
