import Foundation
import XCTest

@testable import TollgateCrypto

final class SealingTests: XCTestCase {
    let master = try! MasterKey(base64: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
    let html = "<h2 id=\"deep\">Deep</h2>\n<p>The premium part of a chapter, with enough words to matter.</p>\n"

    func sealer(epoch: Int = 1, site: String = "courses.example.com") throws -> ChapterSealer {
        try ChapterSealer(master: master, site: site, epoch: epoch, tiers: ["member", "pro"], accessCodes: true)
    }

    func testRoundTripForEveryReader() throws {
        let sealed = try sealer().seal(html: html, path: "course/one/", readers: ["member", "pro"])
        XCTAssertEqual(sealed.wraps.map(\.tier), ["member", "pro"])
        for tier in ["member", "pro"] {
            XCTAssertEqual(try sealed.open(site: "courses.example.com", path: "course/one/", with: master.tierKey(tier, epoch: 1)), html)
        }
    }

    /// The window is sized to the input: chapters from empty to past zlib's largest window
    /// (32 KiB) round-trip, an inflater with the full window reads every one, and the bytes
    /// are those of a full window (the worked example of docs/FORMAT.md pins one case).
    func testCompressionRoundTripsAtEverySize() throws {
        var generator = SystemRandomNumberGenerator()
        for size in [0, 1, 200, 250, 511, 512, 4_000, 16_000, 32_506, 32_768, 200_000] {
            let words = (0..<size).map { index in index % 7 == 0 ? UInt8(0x20) : UInt8.random(in: 0x61...0x7A, using: &generator) }
            let repeated = [UInt8](repeating: 0x41, count: size)
            for input in [words, repeated] {
                let compressed = try ZLib.deflateRaw(input)
                XCTAssertEqual(try ZLib.inflateRaw(compressed, limit: size), input, "\(size) bytes")
            }
        }
        // 14,590 bytes get a 16 KiB window; zlib with its full 32 KiB window (Python's
        // `zlib.compressobj(9, zlib.DEFLATED, -15, 8)`) gives these bytes, by BLAKE2b-256.
        let paragraphs = Array((0..<300).map { "<p>Paragraph \($0) of the chapter, with words.</p>\n" }.joined().utf8)
        let compressed = try ZLib.deflateRaw(paragraphs)
        XCTAssertEqual(compressed.count, 792)
        XCTAssertEqual(Encoding.hex(Sodium.blake2b(compressed, key: nil, outputLength: 32)), "771a19edc6f443ec42b7d7f249e3e935531466c91b248d4d62365cc3f9333f37")

        let chapter = String(repeating: html, count: 500)
        let sealed = try sealer().seal(html: chapter, path: "course/long/", readers: ["member"])
        XCTAssertEqual(try sealed.open(site: "courses.example.com", path: "course/long/", with: master.tierKey("member", epoch: 1)), chapter)
    }

    func testJSONRoundTripAndNoMarkupCharacters() throws {
        let sealed = try sealer().seal(html: html, path: "course/one/", readers: ["member"])
        XCTAssertEqual(try SealedChapter(json: sealed.json), sealed)
        XCTAssertFalse(sealed.json.contains("<"))
        XCTAssertFalse(sealed.json.contains("premium part"))
    }

    func testTierWithoutWrapCannotOpen() throws {
        let sealed = try sealer().seal(html: html, path: "course/one/", readers: ["pro"])
        XCTAssertThrowsError(try sealed.open(site: "courses.example.com", path: "course/one/", with: master.tierKey("member", epoch: 1)))
    }

    func testWrongKeyFails() throws {
        let sealed = try sealer().seal(html: html, path: "course/one/", readers: ["member"])
        let other = try MasterKey(base64: Data(repeating: 7, count: 32).base64EncodedString())
        var forged = sealed
        forged.wraps[0].kid = other.tierKey("member", epoch: 1).id
        XCTAssertThrowsError(try forged.open(site: "courses.example.com", path: "course/one/", with: other.tierKey("member", epoch: 1))) {
            XCTAssertEqual($0 as? CryptoError, .authenticationFailed)
        }
    }

    func testOneFlippedByteFails() throws {
        let sealed = try sealer().seal(html: html, path: "course/one/", readers: ["member"])
        let key = master.tierKey("member", epoch: 1)
        for field in ["body", "wrap"] {
            for position in [0, 17, -1] {
                var tampered = sealed
                var bytes = Array(Data(base64Encoded: field == "body" ? sealed.body.ct : sealed.wraps[0].key)!)
                let index = position < 0 ? bytes.count - 1 : position
                bytes[index] ^= 0x01
                if field == "body" { tampered.body.ct = Data(bytes).base64EncodedString() } else { tampered.wraps[0].key = Data(bytes).base64EncodedString() }
                XCTAssertThrowsError(try tampered.open(site: "courses.example.com", path: "course/one/", with: key), "\(field) byte \(index)") {
                    XCTAssertEqual($0 as? CryptoError, .authenticationFailed)
                }
            }
        }
    }

    func testPayloadMovedToAnotherChapterOrSiteFails() throws {
        let sealed = try sealer().seal(html: html, path: "course/one/", readers: ["member"])
        let key = master.tierKey("member", epoch: 1)
        XCTAssertThrowsError(try sealed.open(site: "courses.example.com", path: "course/two/", with: key))
        XCTAssertThrowsError(try sealed.open(site: "other.example.com", path: "course/one/", with: key))
    }

    func testOldEpochPayloadFailsWithNewKey() throws {
        let old = try sealer(epoch: 1).seal(html: html, path: "course/one/", readers: ["member"])
        let newKey = master.tierKey("member", epoch: 2)
        XCTAssertNotEqual(newKey.id, master.tierKey("member", epoch: 1).id)
        XCTAssertThrowsError(try old.open(site: "courses.example.com", path: "course/one/", with: newKey))
        // Even with the new key id written over the old one, authentication fails.
        var relabelled = old
        relabelled.wraps[0].kid = newKey.id
        XCTAssertThrowsError(try relabelled.open(site: "courses.example.com", path: "course/one/", with: newKey))
    }

    func testDeterministicAndNoNonceReuse() throws {
        let a = try sealer().seal(html: html, path: "course/one/", readers: ["member"])
        XCTAssertEqual(a, try sealer().seal(html: html, path: "course/one/", readers: ["member"]))
        let b = try sealer().seal(html: html + "<p>x</p>", path: "course/one/", readers: ["member"])
        let c = try sealer().seal(html: html, path: "course/two/", readers: ["member"])
        XCTAssertEqual(Set([a.body.nonce, b.body.nonce, c.body.nonce]).count, 3)
        // The same tier key wraps different data keys under different nonces.
        XCTAssertEqual(Set([a.wraps[0].nonce, b.wraps[0].nonce, c.wraps[0].nonce]).count, 3)
    }

    func testAccessCodeOpensItsTierKey() throws {
        let sealed = try sealer(epoch: 3).seal(html: html, path: "course/one/", readers: ["member", "pro"])
        let code = master.accessCode("member", epoch: 3)
        let codes = try sealer(epoch: 3).codes
        let key = try codes.tierKey(site: "courses.example.com", code: code)
        XCTAssertEqual(key.id, master.tierKey("member", epoch: 3).id)
        XCTAssertEqual(try sealed.open(site: "courses.example.com", path: "course/one/", with: key), html)
        XCTAssertEqual(try AccessCode.secretID(of: code.text.lowercased().replacingOccurrences(of: "-", with: " ")), code.id)
        // Past epochs are listed by id only, newest first, per tier.
        let memberCodes = codes.filter { $0.tier == "member" }
        XCTAssertEqual(memberCodes.map(\.epoch), [3, 2, 1])
        XCTAssertNil(memberCodes[1].key)
        XCTAssertEqual(memberCodes[2].id, master.accessCode("member", epoch: 1).id)
        XCTAssertThrowsError(try codes.tierKey(site: "courses.example.com", code: master.accessCode("member", epoch: 2)))
        XCTAssertThrowsError(try codes.tierKey(site: "elsewhere.example.com", code: code))
    }

    func testNoCodesWhenTurnedOff() throws {
        let sealer = try ChapterSealer(master: master, site: "s", epoch: 1, tiers: ["member"], accessCodes: false)
        XCTAssertTrue(sealer.codes.isEmpty)
    }

    func testCompressionShrinksText() throws {
        let long = String(repeating: "<p>Actors protect their state from data races.</p>\n", count: 200)
        let sealed = try sealer().seal(html: long, path: "p/", readers: ["member"])
        XCTAssertLessThan(Data(base64Encoded: sealed.body.ct)!.count, long.utf8.count / 10)
    }

    func testUnknownReaderIsAnError() throws {
        XCTAssertThrowsError(try sealer().seal(html: html, path: "p/", readers: ["gold"]))
    }
}
