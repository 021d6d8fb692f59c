/// A fenced code block to highlight: its code and its fence info.
public struct CodeBlock: Sendable, Hashable {
    /// The code, as written between the fences (a final newline is not a line of its own).
    public var code: String
    /// What the fence asked for.
    public var info: FenceInfo

    /// A code block.
    public init(code: String, info: FenceInfo) {
        self.code = code
        self.info = info
    }
}

/// A code block rendered to HTML.
public struct HighlightedBlock: Sendable, Hashable {
    /// The block's HTML: a `figure.code` holding an optional title and the `pre`.
    public var html: String
    /// False when the fence named a language no definition matches: the code is plain text.
    public var languageKnown: Bool
    /// Highlighted lines the code does not have (a typo in `{…}`), in order.
    public var linesOutOfRange: [Int]
}
