import Foundation

/// URL slugs for courses, parts, chapters and tags.
enum Slug {
    /// A readable slug: lowercased; letters and digits of any script kept (`并发` stays `并发`);
    /// everything else becomes a single `-`. A leading order number (`01-`) is dropped when
    /// `dropOrderPrefix` is true and something remains after it. The slug is in Unicode NFC,
    /// whatever form `text` is in, so that a file name written in NFD (`cafe\u{301}`) and
    /// one in NFC give the same URL and the same sealed path.
    static func make(_ text: String, dropOrderPrefix: Bool = false) -> String {
        let slug = text.utf8.allSatisfy({ $0 < 0x80 }) ? asciiSlug(text) : unicodeSlug(text)
        if dropOrderPrefix, let dash = slug.firstIndex(of: "-"), slug[..<dash].allSatisfy(\.isASCIIDigitCharacter) {
            let rest = slug[slug.index(after: dash)...]
            if !rest.isEmpty { return String(rest) }
        }
        return slug
    }

    /// ``make(_:dropOrderPrefix:)``'s rule on ASCII text, byte by byte: letters and digits
    /// kept (lowercased), white space, punctuation and symbols a pending dash, control
    /// characters dropped; the same result as the Unicode rule, several times faster.
    static func asciiSlug(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var pendingDash = false
        for byte in text.utf8 {
            switch byte {
            case 0x30...0x39, 0x61...0x7A, 0x41...0x5A:
                if pendingDash, !bytes.isEmpty { bytes.append(UInt8(ascii: "-")) }
                pendingDash = false
                bytes.append((0x41...0x5A).contains(byte) ? byte | 0x20 : byte)
            case 0x09...0x0D, 0x20...0x7E:
                pendingDash = true
            default:
                continue
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func unicodeSlug(_ text: String) -> String {
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
