import Testing
import TollgateTestSupport

@testable import TollgateSite

@Suite("slugs")
struct SlugTests {
    @Test("the ASCII fast path gives the Unicode rule's slug for every ASCII character and for random ASCII text")
    func asciiMatchesUnicode() {
        for byte in UInt8(0)..<0x80 {
            let text = "a\(Character(Unicode.Scalar(byte)))b"
            #expect(Slug.asciiSlug(text) == Slug.unicodeSlug(text), "byte \(byte)")
        }
        var random = SplitMix64(seed: 7)
        for _ in 0..<2_000 {
            let text = String(decoding: (0..<Int(random.next() % 40)).map { _ in UInt8(random.next() % 0x80) }, as: UTF8.self)
            #expect(Slug.asciiSlug(text) == Slug.unicodeSlug(text), "\(Array(text.utf8))")
        }
        #expect(Slug.make("01 - Getting Started: the *basics*!", dropOrderPrefix: true) == "getting-started-the-basics")
        #expect(Slug.make("Café au lait") == "café-au-lait")
    }
}
