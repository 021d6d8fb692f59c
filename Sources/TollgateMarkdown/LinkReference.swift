/// A link or image destination found in Markdown, handed to the caller to resolve.
public struct LinkReference: Sendable, Hashable {
    /// The destination as written, e.g. `02-actors.md#isolation` or `images/a.svg`.
    public let destination: String
    /// True for `![alt](destination)`.
    public let isImage: Bool
    /// The line of the file the link is on (or the first line of its paragraph).
    public let line: Int

    public init(destination: String, isImage: Bool, line: Int) {
        self.destination = destination
        self.isImage = isImage
        self.line = line
    }
}

/// What to do with a ``LinkReference``.
public enum LinkResolution: Sendable, Hashable {
    /// Leave the destination as written.
    case keep
    /// Replace the destination with this URL.
    case replace(String)
    /// The link is broken; the message says why and is reported with the link's line.
    case problem(String)
}
