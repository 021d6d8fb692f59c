/// GitHub-style heading ids, unique within a page.
package struct HeadingIDs: Sendable {
    private var used: Set<String>

    package init(reserved: Set<String> = []) { used = reserved }

    /// A GitHub-style id for a heading text: lowercased, letters, digits, `-` and `_` kept
    /// (any script: CJK stays readable), spaces turned into `-`, everything else dropped.
    package static func slug(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text.lowercased() {
            if character == " " {
                result.append("-")
            } else if character == "-" || character == "_" || character.isLetter || character.isNumber {
                result.append(character)
            }
        }
        return result.isEmpty ? "section" : result
    }

    /// `base`, or `base-1`, `base-2`… if it was used before on this page.
    package mutating func makeUnique(_ base: String) -> String {
        var candidate = base
        var counter = 0
        while used.contains(candidate) {
            counter += 1
            candidate = "\(base)-\(counter)"
        }
        used.insert(candidate)
        return candidate
    }
}
