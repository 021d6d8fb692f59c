import Foundation
import Testing

@testable import TollgateCrypto

@Suite("Encodings")
struct EncodingTests {
    @Test("base64url is standard base64 with - and _ and no padding, for every length")
    func base64URL() {
        for length in 0..<70 {
            let bytes = randomBytes(length)
            let expected = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(Encoding.base64URL(bytes) == expected, "\(length) bytes")
        }
        #expect(Encoding.base64URL([0xFB, 0xFF, 0xBF]) == "-_-_")
    }

    @Test("a JSON string literal escapes what JSON needs and what could end a <script> element")
    func jsonString() throws {
        #expect(Encoding.jsonString("QUJD+/9=") == #""QUJD+/9=""#)
        #expect(Encoding.jsonString("") == #""""#)
        let text = "a\"b\\c\nd\re\tf<g>h&i\u{2028}j\u{2029}k\u{01}l\u{1F}m 中文 é \u{2026}"
        let literal = Encoding.jsonString(text)
        #expect(literal == #""a\"b\\c\nd\re\tf\u003cg\u003eh\u0026i\u2028j\u2029k\u0001l\u001fm 中文 é …""#)
        // It is valid JSON for the same text.
        let decoded = try JSONDecoder().decode(String.self, from: Data(literal.utf8))
        #expect(decoded == text)
    }
}
