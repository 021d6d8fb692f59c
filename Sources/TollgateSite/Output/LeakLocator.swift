/// Finds a premium sentence or heading that leaked in the chapter's Markdown, for a report
/// an author can act on: its line and its words.
enum LeakLocator {
    /// Characters of a quoted excerpt, at most.
    static let excerptLength = 120

    /// The line of `key` in a chapter's Markdown source and its words (the sentence to its
    /// end, trimmed), or nil when the source does not have them as written.
    static func locate(_ key: LeakKey, inMarkdown text: String) -> (line: Int, words: String)? {
        let original = Array(text.utf8)
        var bytes = original
        blankLinkDestinations(&bytes)
        return bytes.withUnsafeBufferPointer { buffer -> (line: Int, words: String)? in
            let (hashes, ranges) = TextShingles.tokensWithRanges(of: buffer)
            guard let (start, end) = match(key, hashes, ranges, buffer) else { return nil }
            let line = buffer[..<start].reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
            // The words as the author wrote them, links and all.
            let sentenceEnd = key.isSentence ? self.sentenceEnd(buffer, from: end, start: start) : end
            return (line, excerpt(original[start..<sentenceEnd]))
        }
    }

    /// The words of `key` in an output file, as it reads there, or nil.
    static func words(of key: LeakKey, inOutput text: String) -> String? {
        for (candidate, markup) in [(text, true), (ScriptEscapes.decoding(text), true), (ScriptEscapes.decoding(text), false)] {
            var candidate = candidate
            let words = candidate.withUTF8 { buffer -> String? in
                let (hashes, ranges) = TextShingles.tokensWithRanges(of: buffer, markup: markup)
                guard let (start, end) = match(key, hashes, ranges, buffer) else { return nil }
                return excerpt(Array(buffer[start..<end])[...])
            }
            if let words { return words }
        }
        return nil
    }

    /// The byte range of `key`'s words among tokens; a heading preferably on a heading line.
    private static func match(
        _ key: LeakKey, _ hashes: [UInt64], _ ranges: [Range<Int>], _ bytes: UnsafeBufferPointer<UInt8>
    ) -> (Int, Int)? {
        switch key {
        case .sentence(let fingerprint):
            guard hashes.count >= TextShingles.width else { return nil }
            return hashes.withUnsafeBufferPointer { buffer in
                for start in 0...(buffer.count - TextShingles.width) where TextShingles.fingerprint(buffer, at: start) == fingerprint {
                    return (ranges[start].lowerBound, ranges[start + TextShingles.width - 1].upperBound)
                }
                return nil
            }
        case .heading(let text):
            let words = TextShingles.tokens(of: text).hashes
            guard !words.isEmpty, hashes.count >= words.count else { return nil }
            var found: (Int, Int)?
            for start in 0...(hashes.count - words.count) where hashes[start] == words[0] && Array(hashes[start..<(start + words.count)]) == words {
                let range = (ranges[start].lowerBound, ranges[start + words.count - 1].upperBound)
                var lineStart = range.0
                while lineStart > 0, bytes[lineStart - 1] != 0x0A { lineStart -= 1 }
                if bytes[lineStart] == UInt8(ascii: "#") { return range }
                if found == nil { found = range }
            }
            return found
        }
    }

    /// The end of the sentence whose words end at `end`: after its `.`, `!` or `?` (followed
    /// by white space), at a blank line, or a few lines on.
    private static func sentenceEnd(_ bytes: UnsafeBufferPointer<UInt8>, from end: Int, start: Int) -> Int {
        var end = end
        while end < bytes.count, end - start < excerptLength * 2 {
            let byte = bytes[end]
            let next = end + 1 < bytes.count ? bytes[end + 1] : 0x20
            if byte == 0x2E || byte == 0x21 || byte == 0x3F, next == 0x20 || next == 0x0A || next == 0x0D {
                return end + 1
            }
            if byte == 0x0A, next == 0x0A { break }
            end += 1
        }
        return end
    }

    /// `bytes` on one line, trimmed to ``excerptLength`` at a word's end.
    private static func excerpt(_ bytes: ArraySlice<UInt8>) -> String {
        let text = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard text.count > excerptLength else { return text }
        let cut = text.prefix(excerptLength)
        return (cut.lastIndex(of: " ").map { String(cut[..<$0]) } ?? String(cut)) + "…"
    }

    /// Blanks the destinations of Markdown links and images (`](…)`, `][…]`), which the
    /// rendered page does not show, keeping every other byte where it is.
    private static func blankLinkDestinations(_ bytes: inout [UInt8]) {
        var index = 0
        while index + 1 < bytes.count {
            defer { index += 1 }
            guard bytes[index] == UInt8(ascii: "]"), bytes[index + 1] == UInt8(ascii: "(") || bytes[index + 1] == UInt8(ascii: "[") else { continue }
            let close = bytes[index + 1] == UInt8(ascii: "(") ? UInt8(ascii: ")") : UInt8(ascii: "]")
            var end = index + 2
            var depth = 0
            while end < bytes.count, bytes[end] != 0x0A {
                if bytes[end] == bytes[index + 1] { depth += 1 }
                if bytes[end] == close {
                    if depth == 0 { break }
                    depth -= 1
                }
                end += 1
            }
            guard end < bytes.count, bytes[end] == close else { continue }
            for position in (index + 1)...end { bytes[position] = 0x20 }
            index = end
        }
    }
}

extension LeakKey {
    var isSentence: Bool {
        if case .sentence = self { return true }
        return false
    }
}
