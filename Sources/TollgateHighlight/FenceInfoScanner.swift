/// Splits a fence info string into words; a quoted title may hold spaces.
struct FenceInfoScanner {
    private let text: [Character]
    private var position = 0
    private var lastStart = 0

    init(_ info: String) { text = Array(info) }

    /// The next word: up to a space outside quotes and braces; nil at the end.
    mutating func word() -> String? {
        while position < text.count, text[position].isWhitespace { position += 1 }
        guard position < text.count else { return nil }
        lastStart = position
        var quote: Character?
        var inBraces = false
        while position < text.count {
            let character = text[position]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "{" {
                inBraces = true
            } else if character == "}" {
                inBraces = false
            } else if character.isWhitespace, !inBraces {
                break
            }
            position += 1
        }
        return String(text[lastStart..<position])
    }

    /// Goes back to the start of the word just read.
    mutating func rewind() { position = lastStart }

    /// The quoted value of `word` after `prefix` (`title="A B"` → `A B`).
    func quoted(after prefix: String, in word: String) throws(FenceInfoError) -> String {
        let value = word.dropFirst(prefix.count)
        guard let open = value.first, open == "\"" || open == "'", value.count >= 2, value.last == open else {
            throw FenceInfoError("\(prefix)… needs its value in quotes, like \(prefix)\"Package.swift\" (in '\(word)')")
        }
        let inner = value.dropFirst().dropLast()
        guard !inner.contains(open) else {
            throw FenceInfoError("\(prefix)… has a stray quote in '\(word)'; use the other kind of quote around the value")
        }
        return String(inner)
    }
}
