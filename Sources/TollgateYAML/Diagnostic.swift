/// One problem found in a site's input, with the place an author can fix it.
public struct Diagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file, relative to the site's folder (`content/swift/01-intro.md`), or nil.
    public var file: String?
    /// The 1-based line in `file`, or nil when the problem is about the whole file.
    public var line: Int?
    /// What is wrong and, where it helps, what to do.
    public var message: String

    /// Makes a diagnostic.
    public init(file: String?, line: Int? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `file:line: message`, the form editors and terminals link to.
    public var description: String {
        switch (file, line) {
        case let (file?, line?): "\(file):\(line): \(message)"
        case let (file?, nil): "\(file): \(message)"
        default: message
        }
    }
}
