/// What to do about a `key: value` line whose plain value holds a `: `, which YAML reads as
/// the start of a nested mapping (`title: Swift: the basics`).
package enum QuotingHint {
    /// `; a value that contains ': ' must be quoted: write title: "Swift: the basics"` for such
    /// a line, or an empty string.
    package static func hint(forLine line: Substring) -> String {
        guard let colon = line.firstRange(of: ": ") else { return "" }
        let key = line[..<colon.lowerBound].trimmingCharacters(in: " \t")
        let value = line[colon.upperBound...].trimmingCharacters(in: " \t\r")
        guard !key.isEmpty, !key.contains(" "), let first = value.first, !"\"'[{|>&*!%@`#".contains(first),
            value.firstRange(of: ": ") != nil || value.hasSuffix(":")
        else { return "" }
        let quoted = value.contains("\"")
            ? "'" + value.replacing("'", with: "''") + "'"
            : "\"" + value.replacing("\\", with: "\\\\") + "\""
        return "; a value that contains ': ' must be quoted: write \(key): \(quoted)"
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
