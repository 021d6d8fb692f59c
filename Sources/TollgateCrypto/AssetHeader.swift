import Foundation

/// The header of a sealed asset file and the rules of its layout (docs/FORMAT.md,
/// "Sealed assets"): `"TGSA" ‖ u32be(len(header)) ‖ header JSON ‖ chunk 0 ‖ chunk 1 ‖ …`,
/// each chunk `AES-GCM-Seal(DK, chunkNonce(i, final), plaintext chunk, chunkAAD)`.
struct AssetHeader: Sendable, Codable, Equatable {
    /// Format version (2).
    var v: Int
    var epoch: Int
    /// Plaintext bytes.
    var size: Int
    /// Plaintext bytes per chunk (the last chunk may be shorter).
    var chunk: Int
    /// The asset's data key wrapped under each reader tier's key, ordered by tier id.
    var wraps: [SealedChapter.Wrap]

    /// The first four bytes of every sealed asset.
    static let magic = Array("TGSA".utf8)
    /// The chunk size the build uses.
    static let defaultChunkSize = 64 * 1024
    /// Chunk sizes a reader accepts.
    static let chunkSizes = 1...(16 << 20)
    /// The largest asset a reader accepts, in bytes (1 TiB).
    static let maxSize = 1 << 40
    /// The largest header a reader accepts, in bytes.
    static let maxLength = 64 * 1024

    /// How many chunks the asset has: at least one (an empty asset is one empty final chunk).
    var chunkCount: Int { max(1, (size + chunk - 1) / chunk) }

    /// Plaintext bytes of chunk `index`.
    func plaintextCount(ofChunk index: Int) -> Int {
        index == chunkCount - 1 ? size - chunk * (chunkCount - 1) : chunk
    }

    /// The header as compact JSON, keys in a fixed order.
    var json: String {
        let string = Encoding.jsonString
        let wrapList = wraps.map {
            "{\"tier\":\(string($0.tier)),\"kid\":\(string($0.kid)),\"nonce\":\(string($0.nonce)),\"key\":\(string($0.key))}"
        }
        return "{\"v\":\(v),\"epoch\":\(epoch),\"size\":\(size),\"chunk\":\(chunk),\"wraps\":[\(wrapList.joined(separator: ","))]}"
    }

    /// Magic, header length and header: the bytes before the first chunk.
    var preamble: [UInt8] {
        let text = Array(json.utf8)
        return Self.magic + bigEndian32(text.count) + text
    }

    /// Reads the preamble of `sealed`; returns the header and the offset of chunk 0.
    /// - Throws: ``CryptoError/invalidEncoding(_:)`` for anything that is not a version 2 asset.
    static func read(_ sealed: [UInt8]) throws(CryptoError) -> (header: AssetHeader, bodyOffset: Int) {
        guard sealed.count >= 8, Array(sealed[0..<4]) == magic else { throw .invalidEncoding("sealed asset (no TGSA magic)") }
        let length = sealed[4..<8].reduce(0) { $0 << 8 | Int($1) }
        guard length <= maxLength, sealed.count >= 8 + length else { throw .invalidEncoding("sealed asset header (length \(length))") }
        let header: AssetHeader
        do {
            header = try JSONDecoder().decode(AssetHeader.self, from: Data(sealed[8..<(8 + length)]))
        } catch {
            throw .invalidEncoding("sealed asset header (JSON)")
        }
        guard header.v == SealedChapter.version else { throw .invalidEncoding("sealed asset (version \(header.v))") }
        guard chunkSizes.contains(header.chunk), (0...maxSize).contains(header.size), header.chunkCount <= Int(UInt32.max) else {
            throw .invalidEncoding("sealed asset header (chunk \(header.chunk), size \(header.size))")
        }
        return (header, 8 + length)
    }

    /// `0⁷ ‖ u32be(index) ‖ final`: unique per chunk under a data key that seals one asset.
    static func chunkNonce(index: Int, final: Bool) -> [UInt8] {
        [UInt8](repeating: 0, count: 7) + bigEndian32(index) + [final ? 1 : 0]
    }

    func chunkAAD(site: String, id: String, index: Int, final: Bool) -> [UInt8] {
        Array("tollgate/2\nchunk\n\(site)\n\(id)\n\(size)\n\(chunk)\n\(index)\n\(final ? 1 : 0)".utf8)
    }

    static func wrapAAD(site: String, id: String, epoch: Int, keyID: String) -> [UInt8] {
        Array("tollgate/2\nasset-wrap\n\(site)\n\(id)\n\(epoch)\n\(keyID)".utf8)
    }
}

/// `n` as 4 bytes, big-endian.
func bigEndian32(_ n: Int) -> [UInt8] {
    [UInt8(truncatingIfNeeded: n >> 24), UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)]
}
