/// A code block found in Markdown, handed to the caller to render (to highlight it).
public struct CodeBlockSource: Sendable, Hashable {
    /// The fence's info string (` ```swift title="A.swift" ` → `swift title="A.swift"`);
    /// empty for an indented block or a bare fence.
    public let info: String
    /// The code, ending with a newline unless empty.
    public let code: String
    /// The line of the file the block starts on.
    public let line: Int

    /// A code block (the renderer makes them; tests may too).
    public init(info: String, code: String, line: Int) {
        self.info = info
        self.code = code
        self.line = line
    }
}

/// What to do with a ``CodeBlockSource``.
public enum CodeBlockRendering: Sendable, Hashable {
    /// Render it as cmark-gfm does: `<pre><code class="language-…">`.
    case keep
    /// Put this HTML in its place.
    case html(String)
    /// The block is wrong; the message says why and is reported with the block's line.
    /// The block renders as cmark-gfm renders it.
    case problem(String)
}
