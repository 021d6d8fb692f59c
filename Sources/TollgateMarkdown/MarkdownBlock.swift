/// A top-level block of a Markdown document, with the lines it spans.
///
/// ``MarkdownRenderer/blocks(of:)`` lists them so that a caller can cut a document between
/// two blocks (a premium chapter's teaser ends between two of them). Link reference
/// definitions are not blocks: they are the lines between blocks that no block covers.
public struct MarkdownBlock: Sendable, Hashable {
    /// What a block is, as far as cutting a document goes.
    public enum Kind: Sendable, Hashable {
        /// A paragraph.
        case paragraph
        /// An ATX (`## x`) or Setext heading of the given level.
        case heading(level: Int)
        /// An HTML block, such as a `<!-- more -->` line.
        case html
        /// A footnote definition (`[^note]: text`).
        case footnoteDefinition
        /// Anything else: lists, quotes, code, tables, thematic breaks.
        case other
    }

    /// The kind of block.
    public let kind: Kind
    /// The first line of the block, from 1 (the first line of the document).
    public let startLine: Int
    /// The last line of the block.
    public let endLine: Int
    /// A heading's text as a reader sees it, an HTML block's source; empty for other blocks.
    public let text: String

    /// A block (the renderer makes them; tests may too).
    public init(kind: Kind, startLine: Int, endLine: Int, text: String = "") {
        self.kind = kind
        self.startLine = startLine
        self.endLine = endLine
        self.text = text
    }
}
