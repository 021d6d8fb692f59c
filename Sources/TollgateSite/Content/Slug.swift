import Foundation

/// URL slugs for courses, parts, chapters and tags.
enum Slug {
    /// A readable slug: lowercased; letters and digits of any script kept (`并发` stays `并发`);
    /// everything else becomes a single `-`. A leading order number (`01-`) is dropped when
    /// `dropOrderPrefix` is true and something remains after it. The slug is in Unicode NFC,
    /// whatever form `text` is in, so that a file name written in NFD (`cafe\u{301}`) and
    /// one in NFC give the same URL and the same sealed path.
    static func make(_ text: String, dropOrderPrefix: Bool = false) -> String {
        var slug = ""
        var pendingDash = false
        for character in text.nfc.lowercased() {
            if character.isLetter || character.isNumber {
                if pendingDash, !slug.isEmpty { slug.append("-") }
                pendingDash = false
                slug.append(character)
            } else if character == "_" || character == "-" || character.isWhitespace || character.isPunctuation || character.isSymbol {
                pendingDash = true
            }
        }
        if dropOrderPrefix, let dash = slug.firstIndex(of: "-"), slug[..<dash].allSatisfy(\.isASCIIDigitCharacter) {
            let rest = slug[slug.index(after: dash)...]
            if !rest.isEmpty { return String(rest) }
        }
        return slug
    }

    /// `segment` percent-encoded for a URL path (Unicode kept readable by browsers, which
    /// show the decoded form).
    static func encode(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: pathAllowed) ?? segment
    }

    private static let pathAllowed: CharacterSet = {
        var set = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        set.insert(charactersIn: "-._~")
        return set
    }()
}

extension String {
    /// This text in Unicode NFC (content paths and slugs are NFC); ASCII, the common case,
    /// is NFC already and comes back as it is.
    var nfc: String { utf8.allSatisfy { $0 < 0x80 } ? self : precomposedStringWithCanonicalMapping }
}

extension Character {
    fileprivate var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
