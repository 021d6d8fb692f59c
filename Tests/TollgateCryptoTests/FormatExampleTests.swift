import Foundation
import XCTest

@testable import TollgateCrypto

/// The worked example of docs/FORMAT.md, also read by `Tests/js/decrypt.test.mjs`: every
/// value is recomputed here, so the document cannot drift from the code.
///
/// To regenerate after a deliberate format change: `TOLLGATE_WRITE_FORMAT_EXAMPLE=1 swift test --filter FormatExampleTests`.
final class FormatExampleTests: XCTestCase {
    static let exampleFile = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("js/format-example.json")

    static func example() throws -> [String: String] {
        let master = try MasterKey(SecretBytes(copying: (0..<32).map { UInt8($0) }))
        let site = "courses.example.com"
        let path = "swift-concurrency/actors/"
        let epoch = 1
        let html = "<h2 id=\"why-actors\">Why actors</h2>\n<p>An actor protects its mutable state: only one task at a time runs its code.</p>\n"
        let sealer = try ChapterSealer(master: master, site: site, epoch: epoch, tiers: ["member", "pro"], accessCodes: true)
        let sealed = try sealer.seal(html: html, path: path, readers: ["member", "pro"])
        let member = master.tierKey("member", epoch: epoch)
        let plaintextHash = Sodium.blake2b(Array(html.utf8), key: nil, outputLength: 32)
        let context = [Array(site.utf8), Array(path.utf8), Array("1".utf8), plaintextHash]
        let dataKey = master.derive("data-key", context, length: 32)
        let code = master.accessCode("member", epoch: epoch)
        return [
            "master_key_hex": Encoding.hex(master.secret.bytes),
            "site": site, "path": path, "epoch": String(epoch), "tier": "member",
            "html": html,
            "tier_key_hex": Encoding.hex(member.secret.bytes),
            "kid": member.id,
            "plaintext_hash_hex": Encoding.hex(plaintextHash),
            "data_key_hex": Encoding.hex(dataKey),
            "body_nonce_hex": Encoding.hex(Array(master.derive("body-nonce", context, length: 16).prefix(12))),
            "compressed_hex": Encoding.hex(try ZLib.deflateRaw(Array(html.utf8))),
            "aad_body": String(decoding: SealedChapter.bodyAAD(site: site, path: path, epoch: epoch), as: UTF8.self),
            "aad_wrap": String(decoding: SealedChapter.wrapAAD(site: site, path: path, epoch: epoch, keyID: member.id), as: UTF8.self),
            "wrap_nonce_hex": Encoding.hex(Array(master.derive("wrap-nonce", [Array(member.id.utf8), dataKey], length: 16).prefix(12))),
            "code": code.text,
            "code_secret_hex": Encoding.hex(code.secret.bytes),
            "code_id": code.id,
            "code_kek_hex": Encoding.hex(code.keyEncryptionKey().bytes),
            "aad_code": String(decoding: SealedChapter.codeAAD(site: site, tier: "member", epoch: epoch, keyID: member.id), as: UTF8.self),
            "payload": sealed.json,
            "site_data": "{\"v\":1,\"site\":\(Encoding.jsonString(site)),\"epoch\":1,\"codes\":[\(sealer.codes.map(\.json).joined(separator: ","))]}",
        ]
    }

    func testWorkedExampleMatchesTheCode() throws {
        let computed = try Self.example()
        if ProcessInfo.processInfo.environment["TOLLGATE_WRITE_FORMAT_EXAMPLE"] == "1" {
            let data = try JSONSerialization.data(withJSONObject: computed, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            try data.write(to: Self.exampleFile)
        }
        let stored = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: Self.exampleFile)) as? [String: String],
            "missing \(Self.exampleFile.path)")
        XCTAssertEqual(stored, computed)
        // And it opens, as the document says.
        let payload = try SealedChapter(json: computed["payload"]!)
        let master = try MasterKey(SecretBytes(copying: (0..<32).map { UInt8($0) }))
        XCTAssertEqual(try payload.open(site: computed["site"]!, path: computed["path"]!, with: master.tierKey("member", epoch: 1)), computed["html"])
        let (_, codeBytes) = try HumanCode.decode(computed["code"]!)
        XCTAssertEqual(Encoding.hex(codeBytes), computed["code_secret_hex"])
    }
}
