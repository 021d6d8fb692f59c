/// What the info string of a code fence asks for: ```` ```swift title="Package.swift" {3,5-7} numbers ````.
///
/// The first word is the language (`swift`, or an alias such as `js`); after it, in any
/// order: `title="…"` (or `title='…'`), the lines to highlight in braces (`{3,5-7}`),
/// and `numbers` or `no-numbers` to show or hide line numbers.
public struct FenceInfo: Sendable, Hashable {
    /// The language as written, lowercased; empty when the fence names none.
    public var language: String
    /// The title shown above the code, if any.
    public var title: String?
    /// The lines to highlight, from 1.
    public var highlightedLines: Set<Int>
    /// Line numbers on or off; nil follows the site's default.
    public var lineNumbers: Bool?

    /// Fence info with the given parts.
    public init(language: String = "", title: String? = nil, highlightedLines: Set<Int> = [], lineNumbers: Bool? = nil) {
        self.language = language
        self.title = title
        self.highlightedLines = highlightedLines
        self.lineNumbers = lineNumbers
    }

    /// Reads an info string.
    /// - Throws: ``FenceInfoError`` saying what is wrong and how to write it.
    public static func parse(_ info: String) throws(FenceInfoError) -> FenceInfo {
        var scanner = FenceInfoScanner(info)
        var result = FenceInfo()
        if let word = scanner.word(), !word.hasPrefix("{"), !word.contains("=") {
            let (language, braces) = split(word)
            result.language = language.lowercased()
            if let braces { result.highlightedLines = try lines(braces) }
        } else {
            scanner.rewind()
        }
        while let word = scanner.word() {
            if word.hasPrefix("{") {
                result.highlightedLines.formUnion(try lines(word))
            } else if word == "numbers" {
                result.lineNumbers = true
            } else if word == "no-numbers" {
                result.lineNumbers = false
            } else if word.hasPrefix("title=") {
                result.title = try scanner.quoted(after: "title=", in: word)
            } else {
                throw FenceInfoError("unknown code fence option '\(word)'; write title=\"…\", {3,5-7}, numbers or no-numbers")
            }
        }
        return result
    }

    /// `swift{3}` is `swift` and `{3}`.
    private static func split(_ word: String) -> (String, String?) {
        guard let brace = word.firstIndex(of: "{") else { return (word, nil) }
        return (String(word[..<brace]), String(word[brace...]))
    }

    /// No block is this long: a bigger number is a typo, not a line to allocate room for.
    static let maximumLine = 1_000_000

    /// The lines of `{3,5-7}`.
    private static func lines(_ text: String) throws(FenceInfoError) -> Set<Int> {
        let fix = "write the lines to highlight like {3,5-7}"
        guard text.hasPrefix("{"), text.hasSuffix("}"), text.count >= 2 else {
            throw FenceInfoError("'\(text)' is not a list of lines; \(fix)")
        }
        var lines: Set<Int> = []
        for part in text.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingSpaces) }
            guard (1...2).contains(bounds.count), let first = bounds.first ?? nil, let last = bounds.last ?? nil,
                first >= 1, first <= last, last <= maximumLine
            else {
                throw FenceInfoError("'\(part)' in '\(text)' is not a line or a range of lines; \(fix)")
            }
            lines.formUnion(first...last)
        }
        return lines
    }
}

/// A code fence's info string that cannot be read.
public struct FenceInfoError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong and how to write it instead.
    public let description: String

    init(_ description: String) { self.description = description }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return text
    }
}
