/// Escaping of text for HTML and XML.
package enum HTMLEscaping {
    /// `text` escaped for an element's content or a quoted attribute value: `&`, `<`, `>`,
    /// `"` and `'` (the set Mustache escapes).
    package static func attribute(_ text: String) -> String {
        guard text.utf8.contains(where: needsEscape) else { return text }
        var result: [UInt8] = []
        result.reserveCapacity(text.utf8.count + 32)
        for byte in text.utf8 {
            switch byte {
            case 0x26: result += "&amp;".utf8
            case 0x3C: result += "&lt;".utf8
            case 0x3E: result += "&gt;".utf8
            case 0x22: result += "&quot;".utf8
            case 0x27: result += "&#39;".utf8
            default: result.append(byte)
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// `text` escaped for element content.
    package static func text(_ text: String) -> String { attribute(text) }

    @inline(__always) private static func needsEscape(_ byte: UInt8) -> Bool {
        byte == 0x26 || byte == 0x3C || byte == 0x3E || byte == 0x22 || byte == 0x27
    }
}
