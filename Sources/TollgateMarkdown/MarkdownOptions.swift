/// What a ``MarkdownRenderer`` allows and transforms.
public struct MarkdownOptions: OptionSet, Sendable, Hashable {
    public let rawValue: Int

    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Pass raw HTML in the Markdown through to the output. Off, raw HTML is dropped.
    ///
    /// - Warning: only for content you trust: raw HTML can run script in readers' browsers.
    public static let rawHTML = MarkdownOptions(rawValue: 1 << 0)

    /// Turn straight quotes into curly ones, `--` into en dashes, `---` into em dashes
    /// and `...` into an ellipsis.
    public static let smartPunctuation = MarkdownOptions(rawValue: 1 << 1)
}
