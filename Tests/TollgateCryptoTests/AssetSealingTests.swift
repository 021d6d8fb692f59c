import Foundation
import Testing

@testable import TollgateCrypto

/// Sealed assets (docs/FORMAT.md, "Sealed assets"): round trip, streaming, determinism and
/// every way of tampering with a file.
@Suite struct AssetSealingTests {
    let master = try! MasterKey(base64: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
    let site = "courses.example.com"
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-assets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func sealer(chunkSize: Int = 16, site: String? = nil, epoch: Int = 1) throws -> AssetSealer {
        try AssetSealer(master: master, site: site ?? self.site, epoch: epoch, tiers: ["member", "pro"], chunkSize: chunkSize)
    }

    /// Writes `bytes` to a file and seals it; returns the asset and the sealed bytes.
    func seal(_ bytes: [UInt8], name: String = "diagram.png", with sealer: AssetSealer? = nil, readers: [String] = ["member", "pro"]) throws -> (SealedAsset, [UInt8]) {
        let source = folder.appendingPathComponent(name)
        try Data(bytes).write(to: source)
        let destination = folder.appendingPathComponent(UUID().uuidString + ".bin")
        let asset = try (sealer ?? self.sealer()).seal(file: source, readers: readers, to: destination)
        return (asset, Array(try Data(contentsOf: destination)))
    }

    func open(_ sealed: [UInt8], id: String, tier: String = "member", site: String? = nil, epoch: Int = 1) throws -> [UInt8] {
        try SealedAsset.open(sealed, site: site ?? self.site, id: id, with: master.tierKey(tier, epoch: epoch))
    }

    var bytes: [UInt8] { (0..<40).map { UInt8($0 * 7 & 0xFF) } }

    @Test(arguments: [0, 1, 15, 16, 17, 40, 48])
    func roundTripsAtEverySize(count: Int) throws {
        let plaintext = (0..<count).map { UInt8($0 & 0xFF) }
        let (asset, sealed) = try seal(plaintext)
        #expect(asset.size == count)
        #expect(asset.sealedSize == sealed.count)
        #expect(try open(sealed, id: asset.id, tier: "member") == plaintext)
        #expect(try open(sealed, id: asset.id, tier: "pro") == plaintext)
    }

    @Test func deterministicAndIndependentOfTheFileName() throws {
        let (first, sealedFirst) = try seal(bytes, name: "solutions.zip")
        let (second, sealedSecond) = try seal(bytes, name: "other-name.zip")
        #expect(first == second)
        #expect(sealedFirst == sealedSecond)
        #expect(first.id.count == 32)
        #expect(!first.id.contains("solutions"))
        #expect(try sealer().id(ofFileAt: folder.appendingPathComponent("solutions.zip")) == first.id)
        // Another site gets another id and key.
        let (other, _) = try seal(bytes, with: sealer(site: "preview.example.com"))
        #expect(other.id != first.id)
    }

    @Test func onlyReaderTiersOpen() throws {
        let (asset, sealed) = try seal(bytes, readers: ["pro"])
        #expect(try open(sealed, id: asset.id, tier: "pro") == bytes)
        #expect(throws: CryptoError.authenticationFailed) { try open(sealed, id: asset.id, tier: "member") }
        #expect(throws: CryptoError.authenticationFailed) { try open(sealed, id: asset.id, tier: "pro", epoch: 2) }
        #expect(throws: CryptoError.authenticationFailed) { try open(sealed, id: asset.id, tier: "pro", site: "other.example.com") }
    }

    @Test func everyFlippedByteFails() throws {
        let (asset, sealed) = try seal(bytes)
        let (_, offset) = try AssetHeader.read(sealed)
        for index in offset..<sealed.count {
            var changed = sealed
            changed[index] ^= 0x01
            #expect(throws: CryptoError.authenticationFailed) { try open(changed, id: asset.id) }
        }
    }

    @Test func truncationAndExtensionFail() throws {
        let (asset, sealed) = try seal(bytes)
        // Cut at a chunk boundary: the last chunk left is not marked final.
        let cut = Array(sealed.dropLast(8 + AESGCM.tagCount))
        #expect(throws: CryptoError.authenticationFailed) { try open(cut, id: asset.id) }
        #expect(throws: CryptoError.authenticationFailed) { try open(Array(sealed.dropLast()), id: asset.id) }
        #expect(throws: CryptoError.authenticationFailed) { try open(sealed + [0], id: asset.id) }
        // A header that claims the shorter size does not help either.
        var (header, offset) = try AssetHeader.read(sealed)
        header.size = 32
        #expect(throws: CryptoError.authenticationFailed) { try open(header.preamble + sealed[offset...].dropLast(8 + AESGCM.tagCount), id: asset.id) }
    }

    @Test func reorderedChunksFail() throws {
        let (asset, sealed) = try seal(bytes)
        let (_, offset) = try AssetHeader.read(sealed)
        let length = 16 + AESGCM.tagCount
        let first = sealed[offset..<(offset + length)]
        let second = sealed[(offset + length)..<(offset + 2 * length)]
        let swapped = Array(sealed[..<offset]) + second + first + sealed[(offset + 2 * length)...]
        #expect(throws: CryptoError.authenticationFailed) { try open(swapped, id: asset.id) }
    }

    @Test func chunkFromAnotherAssetFails() throws {
        let (asset, sealed) = try seal(bytes)
        var otherBytes = bytes
        otherBytes[0] ^= 0xFF
        let (_, other) = try seal(otherBytes, name: "other.png")
        let (_, offset) = try AssetHeader.read(sealed)
        let (_, otherOffset) = try AssetHeader.read(other)
        let length = 16 + AESGCM.tagCount
        let spliced = Array(sealed[..<(offset + length)]) + other[(otherOffset + length)..<(otherOffset + 2 * length)] + sealed[(offset + 2 * length)...]
        #expect(spliced.count == sealed.count)
        #expect(throws: CryptoError.authenticationFailed) { try open(spliced, id: asset.id) }
    }

    @Test func headerFromAnotherAssetFails() throws {
        let (asset, sealed) = try seal(bytes)
        var otherBytes = bytes
        otherBytes[39] ^= 0xFF
        let (otherAsset, other) = try seal(otherBytes, name: "other.png")
        let (_, offset) = try AssetHeader.read(sealed)
        let (_, otherOffset) = try AssetHeader.read(other)
        let spliced = Array(other[..<otherOffset]) + sealed[offset...]
        // Under either id: the wrap names the other asset, or its key opens no chunk here.
        #expect(throws: CryptoError.authenticationFailed) { try open(spliced, id: asset.id) }
        #expect(throws: CryptoError.authenticationFailed) { try open(spliced, id: otherAsset.id) }
        // And a whole file served under another asset's name fails too.
        #expect(throws: CryptoError.authenticationFailed) { try open(other, id: asset.id) }
    }

    @Test func malformedFilesAreNamed() throws {
        #expect(throws: CryptoError.invalidEncoding("sealed asset (no TGSA magic)")) { try open(Array("PNG".utf8), id: "00") }
        #expect(throws: CryptoError.invalidEncoding("sealed asset header (length 1000)")) { try open(AssetHeader.magic + [0, 0, 3, 0xE8], id: "00") }
    }

    @Test func missingSourceIsNamedAndNothingIsWritten() throws {
        let source = folder.appendingPathComponent("missing.zip")
        let destination = folder.appendingPathComponent("out.bin")
        #expect {
            try sealer().seal(file: source, readers: ["member"], to: destination)
        } throws: { error in
            "\(error)".contains("missing.zip")
        }
        #expect(!FileManager.default.fileExists(atPath: destination.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    /// 3 MiB through 64 KiB chunks: the default layout, with a final short chunk.
    @Test func defaultChunkSizeStreamsLargeFiles() throws {
        var generator = SystemRandomNumberGenerator()
        let plaintext = (0..<(3 << 20) + 123).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let (asset, sealed) = try seal(plaintext, with: sealer(chunkSize: AssetHeader.defaultChunkSize))
        let (header, _) = try AssetHeader.read(sealed)
        #expect(header.chunk == 65_536)
        #expect(header.chunkCount == 49)
        #expect(asset.sealedSize == sealed.count)
        #expect(try open(sealed, id: asset.id) == plaintext)
    }

    /// A 200 MB file is sealed and opened in a memory that never holds it whole: the peak
    /// resident size grows by far less than the file. It writes 400 MB to a temporary
    /// folder, so it runs when `TOLLGATE_LARGE_ASSET_TEST=1` (alone, so that no other test
    /// moves the peak): `TOLLGATE_LARGE_ASSET_TEST=1 swift test --filter largeFileIsStreamed`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["TOLLGATE_LARGE_ASSET_TEST"] == "1"))
    func largeFileIsStreamed() throws {
        let source = folder.appendingPathComponent("lecture.mp4")
        let size = 200_000_000
        FileManager.default.createFile(atPath: source.path, contents: nil)
        let writer = try FileHandle(forWritingTo: source)
        var piece = [UInt8](repeating: 0, count: 1 << 20)
        var written = 0
        while written < size {
            for index in stride(from: 0, to: piece.count, by: 4096) { piece[index] = UInt8(truncatingIfNeeded: written / 4096 + index) }
            let count = min(piece.count, size - written)
            try writer.write(contentsOf: piece[..<count])
            written += count
        }
        try writer.close()
        defer { try? FileManager.default.removeItem(at: folder) }
        let before = try Self.residentKiB()
        try Self.resetPeak()
        let asset = try sealer(chunkSize: AssetHeader.defaultChunkSize).seal(file: source, readers: ["member"], to: folder.appendingPathComponent("lecture.bin"))
        let peak = try Self.peakKiB()
        print("sealed \(asset.size) bytes into \(asset.sealedSize); peak resident size grew by \((peak - before) / 1024) MiB")
        #expect(asset.size == size)
        // 3,052 chunks of 64 KiB (the last one shorter), each with its tag, after a small header.
        #expect((1..<1_024).contains(asset.sealedSize - size - 3_052 * AESGCM.tagCount))
        #expect(peak - before < 32 * 1024, "sealing held \((peak - before) / 1024) MiB")
    }

    static func status(_ field: String) throws -> Int {
        let text = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix(field + ":") })
        return try #require(Int(line.split(separator: " ").dropFirst().first { !$0.isEmpty } ?? ""))
    }

    static func residentKiB() throws -> Int { try status("VmRSS") }
    static func peakKiB() throws -> Int { try status("VmHWM") }
    /// Sets the peak resident size back to the current one (Linux, `clear_refs` 5).
    static func resetPeak() throws { try "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8) }
}
