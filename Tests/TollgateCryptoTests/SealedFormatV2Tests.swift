import Foundation
import Testing

@testable import TollgateCrypto

/// Issue 14, defects 1 and 2: what version 2 of the sealed format changes for chapters and
/// access codes (docs/FORMAT.md).
@Suite struct SealedFormatV2Tests {
    let master = try! MasterKey(base64: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
    let html = "<h2 id=\"deep\">Deep</h2>\n<p>The premium part of a chapter, with enough words to matter.</p>\n"

    /// Raw DEFLATE in one stored block: valid DEFLATE, other bytes than zlib's.
    static func storedBlock(_ input: [UInt8]) -> [UInt8] {
        let count = input.count
        return [0x01, UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)] + input
    }

    func dataKey(of sealed: SealedChapter, path: String) throws -> [UInt8] {
        let key = master.tierKey("member", epoch: 1)
        let wrap = try #require(sealed.wraps.first { $0.kid == key.id })
        return try AESGCM.open(
            Encoding.base64(wrap.key, what: "key"), key: key.secret, nonce: Encoding.base64(wrap.nonce, what: "nonce"),
            associatedData: SealedChapter.wrapAAD(site: "courses.example.com", path: path, epoch: 1, keyID: key.id))
    }

    @Test func keyAndNonceDeriveFromTheCompressedBytes() throws {
        let sealer = try ChapterSealer(master: master, site: "courses.example.com", epoch: 1, tiers: ["member"], accessCodes: false)
        let zlib = try sealer.seal(html: html, path: "course/one/", readers: ["member"])
        let stored = try sealer.seal(html: html, path: "course/one/", readers: ["member"], compress: { Self.storedBlock($0) })
        // Both are valid chapters with the same text…
        for sealed in [zlib, stored] {
            #expect(try sealed.open(site: "courses.example.com", path: "course/one/", with: master.tierKey("member", epoch: 1)) == html)
        }
        // …but two compressors never encrypt under one (key, nonce).
        #expect(zlib.body.ct != stored.body.ct)
        #expect(zlib.body.nonce != stored.body.nonce)
        #expect(try dataKey(of: zlib, path: "course/one/") != dataKey(of: stored, path: "course/one/"))
    }

    @Test func payloadsAreVersion2() throws {
        let sealer = try ChapterSealer(master: master, site: "courses.example.com", epoch: 1, tiers: ["member"], accessCodes: false)
        let sealed = try sealer.seal(html: html, path: "course/one/", readers: ["member"])
        #expect(sealed.json.hasPrefix("{\"v\":2,"))
        var old = sealed
        old.v = 1
        #expect(throws: CryptoError.invalidEncoding("sealed chapter payload (version 1)")) { try SealedChapter(json: old.json) }
    }

    /// The pinned DEFLATE parameters (docs/FORMAT.md, "Compression").
    @Test func compressionParametersArePinned() {
        #expect(ZLib.level == 9)
        #expect(ZLib.memoryLevel == 8)
        #expect(ZLib.windowBits(forCount: 0) == 9)
        #expect(ZLib.windowBits(forCount: 250) == 9)
        #expect(ZLib.windowBits(forCount: 251) == 10)
        #expect(ZLib.windowBits(forCount: 14_590) == 14)
        #expect(ZLib.windowBits(forCount: 16_123) == 15)
        #expect(ZLib.windowBits(forCount: 16_122) == 14)
        #expect(ZLib.windowBits(forCount: 1 << 20) == 15)
    }

    @Test func codeEnvelopesAreBoundToTheSite() throws {
        let real = try ChapterSealer(master: master, site: "courses.example.com", epoch: 1, tiers: ["member"], accessCodes: true)
        let preview = try ChapterSealer(master: master, site: "localhost:8000", epoch: 1, tiers: ["member"], accessCodes: true)
        let (a, b) = (try #require(real.codes.first), try #require(preview.codes.first))
        // The code text and id stay those sold before version 2…
        #expect(a.id == b.id)
        #expect(a.kid == b.kid)
        // …but one tier key is never sealed under one (key, nonce) for two sites.
        #expect(a.nonce != b.nonce)
        #expect(a.key != b.key)
        let code = master.accessCode("member", epoch: 1)
        #expect(code.keyEncryptionKey(site: "courses.example.com").isEqual(to: code.keyEncryptionKey(site: "localhost:8000")) == false)
        #expect(try a.tierKey(site: "courses.example.com", code: code).id == master.tierKey("member", epoch: 1).id)
        #expect(throws: CryptoError.authenticationFailed) { try a.tierKey(site: "localhost:8000", code: code) }
        #expect(throws: CryptoError.authenticationFailed) { try b.tierKey(site: "courses.example.com", code: code) }
        // Even with the AAD of the other site, the key-encryption key differs.
        #expect(throws: CryptoError.authenticationFailed) {
            try AESGCM.open(
                Encoding.base64(a.key!, what: "key"), key: code.keyEncryptionKey(site: "localhost:8000"),
                nonce: Encoding.base64(a.nonce!, what: "nonce"),
                associatedData: SealedChapter.codeAAD(site: "courses.example.com", tier: "member", epoch: 1, keyID: a.kid!))
        }
    }
}
