/// The result of rendering Markdown: HTML, its headings, and link problems.
public struct RenderedMarkdown: Sendable, Hashable {
    /// The HTML, headings carrying `id`s and anchor links.
    public let html: String
    /// Every heading in document order.
    public let headings: [Heading]
    /// Problems reported while resolving links, in document order.
    public let problems: [MarkdownProblem]
}

/// A heading of a rendered document.
public struct Heading: Sendable, Hashable {
    /// 1 for `#`, 2 for `##`, and so on.
    public let level: Int
    /// The unique id given to the heading, used as its URL fragment.
    public let id: String
    /// The heading's text as a reader sees it.
    public let text: String

    /// A heading (the renderer makes them; tests and themes may too).
    public init(level: Int, id: String, text: String) {
        self.level = level
        self.id = id
        self.text = text
    }
}

/// A problem in Markdown, with the line it is on.
public struct MarkdownProblem: Sendable, Hashable, Error {
    /// Line number in the file.
    public let line: Int
    /// What is wrong.
    public let message: String
}
