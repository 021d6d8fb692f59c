/// Where one document is cut into a public part and a premium part, by source lines.
///
/// ``MarkdownRenderer/render(markdown:firstLine:cut:resolveLink:)`` parses the whole
/// document once and hands each top-level block to a part by the line it starts on: the
/// teaser is the blocks before ``teaserEnd`` (less the one starting on ``droppedLine``), the
/// premium part the blocks from ``premiumStart`` on; blocks in between are left out.
public struct MarkdownCut: Sendable, Hashable {
    /// The teaser is the blocks that start before this line.
    public let teaserEnd: Int
    /// The premium part is the blocks that start on this line or after it.
    public let premiumStart: Int
    /// A teaser block left out (a first heading that repeats the title), by its first line.
    public let droppedLine: Int?

    /// A cut; `premiumStart` is at least `teaserEnd`.
    public init(teaserEnd: Int, premiumStart: Int, droppedLine: Int? = nil) {
        self.teaserEnd = teaserEnd
        self.premiumStart = max(premiumStart, teaserEnd)
        self.droppedLine = droppedLine
    }
}
