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
        let compressed = try ZLib.deflateRaw(Array(html.utf8))
        let compressedHash = Sodium.blake2b(compressed, key: nil, outputLength: 32)
        let context = [Array(site.utf8), Array(path.utf8), Array("1".utf8), compressedHash]
        let dataKey = master.derive("data-key", context, length: 32, label: .v2)
        let code = master.accessCode("member", epoch: epoch)
        let asset = try assetExample(master: master, site: site, epoch: epoch)
        return [
            "master_key_hex": Encoding.hex(master.secret.bytes),
            "site": site, "path": path, "epoch": String(epoch), "tier": "member",
            "html": html,
            "tier_key_hex": Encoding.hex(member.secret.bytes),
            "kid": member.id,
            "compressed_hash_hex": Encoding.hex(compressedHash),
            "data_key_hex": Encoding.hex(dataKey),
            "body_nonce_hex": Encoding.hex(master.nonce("body-nonce", context)),
            "compressed_hex": Encoding.hex(compressed),
            "aad_body": String(decoding: SealedChapter.bodyAAD(site: site, path: path, epoch: epoch), as: UTF8.self),
            "aad_wrap": String(decoding: SealedChapter.wrapAAD(site: site, path: path, epoch: epoch, keyID: member.id), as: UTF8.self),
            "wrap_nonce_hex": Encoding.hex(master.nonce("wrap-nonce", [Array(member.id.utf8), dataKey])),
            "code": code.text,
            "code_secret_hex": Encoding.hex(code.secret.bytes),
            "code_id": code.id,
            "code_kek_hex": Encoding.hex(code.keyEncryptionKey(site: site).bytes),
            "code_nonce_hex": Encoding.hex(master.nonce("code-nonce", [Array(site.utf8), Array("member".utf8), Array("1".utf8)])),
            "aad_code": String(decoding: SealedChapter.codeAAD(site: site, tier: "member", epoch: epoch, keyID: member.id), as: UTF8.self),
            "payload": sealed.json,
            "site_data": "{\"v\":2,\"site\":\(Encoding.jsonString(site)),\"epoch\":1,\"codes\":[\(sealer.codes.map(\.json).joined(separator: ","))]}",
        ].merging(asset) { first, _ in first }
    }

    /// The sealed asset of the worked example: 45 bytes in chunks of 16, so three chunks.
    static func assetExample(master: MasterKey, site: String, epoch: Int) throws -> [String: String] {
        let plaintext = Array("A premium diagram, sealed in 16-byte chunks.\n".utf8)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-format-example-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = folder.appendingPathComponent("diagram.txt")
        try Data(plaintext).write(to: source)
        let sealer = try AssetSealer(master: master, site: site, epoch: epoch, tiers: ["member", "pro"], chunkSize: 16)
        let destination = folder.appendingPathComponent("asset.bin")
        let asset = try sealer.seal(file: source, readers: ["member", "pro"], to: destination)
        let sealed = Array(try Data(contentsOf: destination))
        let (header, _) = try AssetHeader.read(sealed)
        let hash = Sodium.blake2b(plaintext, key: nil, outputLength: 32)
        let member = master.tierKey("member", epoch: epoch)
        return [
            "asset_text": String(decoding: plaintext, as: UTF8.self),
            "asset_hash_hex": Encoding.hex(hash),
            "asset_id": asset.id,
            "asset_key_hex": Encoding.hex(sealer.dataKey(ofHash: hash)),
            "asset_header": header.json,
            "asset_aad_wrap": String(decoding: AssetHeader.wrapAAD(site: site, id: asset.id, epoch: epoch, keyID: member.id), as: UTF8.self),
            "asset_aad_chunk_0": String(decoding: header.chunkAAD(site: site, id: asset.id, index: 0, final: false), as: UTF8.self),
            "asset_aad_chunk_2": String(decoding: header.chunkAAD(site: site, id: asset.id, index: 2, final: true), as: UTF8.self),
            "asset_nonce_chunk_0_hex": Encoding.hex(AssetHeader.chunkNonce(index: 0, final: false)),
            "asset_nonce_chunk_2_hex": Encoding.hex(AssetHeader.chunkNonce(index: 2, final: true)),
            "asset_sealed_b64": Encoding.base64(sealed),
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
        let sealedAsset = try Encoding.base64(computed["asset_sealed_b64"]!, what: "asset")
        XCTAssertEqual(
            try SealedAsset.open(sealedAsset, site: computed["site"]!, id: computed["asset_id"]!, with: master.tierKey("member", epoch: 1)),
            Array(computed["asset_text"]!.utf8))
    }

    /// docs/FORMAT.md prints the example's values: each one is the code's.
    func testDocumentShowsTheComputedValues() throws {
        let computed = try Self.example()
        let document = try String(contentsOf: Self.exampleFile.deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/FORMAT.md"), encoding: .utf8)
        let escaped = ["aad_body", "aad_wrap", "aad_code", "asset_aad_wrap", "asset_aad_chunk_0", "asset_aad_chunk_2"]
        for name in escaped {
            XCTAssertTrue(document.contains(computed[name]!.replacingOccurrences(of: "\n", with: "\\n")), "FORMAT.md lacks \(name)")
        }
        let plain = [
            "tier_key_hex", "kid", "compressed_hash_hex", "data_key_hex", "body_nonce_hex", "compressed_hex", "wrap_nonce_hex",
            "code", "code_secret_hex", "code_id", "code_kek_hex", "code_nonce_hex", "asset_hash_hex", "asset_id", "asset_key_hex",
            "asset_nonce_chunk_0_hex", "asset_nonce_chunk_2_hex", "asset_header", "asset_sealed_b64",
        ]
        for name in plain { XCTAssertTrue(document.contains(computed[name]!), "FORMAT.md lacks \(name): \(computed[name]!)") }
        let payload = try JSONSerialization.jsonObject(with: Data(computed["payload"]!.utf8)) as! [String: Any]
        let body = payload["body"] as! [String: String]
        XCTAssertTrue(document.contains(body["ct"]!), "FORMAT.md lacks the example's ciphertext")
    }
}
