import Foundation

/// Seals premium-only assets of one site at one epoch (docs/FORMAT.md, "Sealed assets").
///
/// Streaming: a file is read twice, once to hash it and once to encrypt it chunk by chunk,
/// and is never in memory whole. Deterministic: the same bytes, site and epoch give the
/// same output, and the data key derives from the hash of the bytes encrypted.
public struct AssetSealer: Sendable {
    let keys: ChapterSealer
    let chunkSize: Int

    /// Prepares the keys of `tiers` (every premium tier id of the site) at `epoch`.
    /// - Throws: ``CryptoError`` when this machine cannot run AES-256-GCM.
    public init(master: MasterKey, site: String, epoch: Int, tiers: [String]) throws(CryptoError) {
        try self.init(master: master, site: site, epoch: epoch, tiers: tiers, chunkSize: AssetHeader.defaultChunkSize)
    }

    /// With another chunk size (the worked example uses a tiny one).
    init(master: MasterKey, site: String, epoch: Int, tiers: [String], chunkSize: Int) throws(CryptoError) {
        precondition(AssetHeader.chunkSizes.contains(chunkSize))
        keys = try ChapterSealer(master: master, site: site, epoch: epoch, tiers: tiers, accessCodes: false)
        self.chunkSize = chunkSize
    }

    /// Seals the file at `source` for `readers` (tier ids), streaming it chunk by chunk into
    /// `destination` (the published file). Deterministic: same bytes, site, epoch -> same output.
    ///
    /// The output is written next to `destination` and moved into place once complete, so
    /// a failure never leaves a partial file.
    /// - Throws: ``CryptoError/fileAccess(_:)`` naming the file when it cannot be read or
    ///   written, or changed while being sealed; ``CryptoError`` when a reader is not a tier
    ///   given at init.
    public func seal(file source: URL, readers: [String], to destination: URL) throws(CryptoError) -> SealedAsset {
        let (hash, size) = try Self.hash(fileAt: source)
        let id = id(ofHash: hash)
        var dataKeyBytes = dataKey(ofHash: hash)
        defer { Sodium.wipe(&dataKeyBytes) }
        let dataKey = SecretBytes(copying: dataKeyBytes)
        let wraps = try keys.wrap(dataKeyBytes, for: readers) { kid in
            AssetHeader.wrapAAD(site: keys.site, id: id, epoch: keys.epoch, keyID: kid)
        }
        let header = AssetHeader(v: SealedChapter.version, epoch: keys.epoch, size: size, chunk: chunkSize, wraps: wraps)

        let partial = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).partial")
        var written = 0
        do {
            try? FileManager.default.removeItem(at: partial)
            guard FileManager.default.createFile(atPath: partial.path, contents: nil) else {
                throw CryptoError.fileAccess("cannot create \(partial.path); check that its folder exists and is writable")
            }
            let output = try FileHandle(forWritingTo: partial)
            defer { try? output.close() }
            let input = try FileHandle(forReadingFrom: source)
            defer { try? input.close() }
            let check = Sodium.BLAKE2b256()
            let preamble = header.preamble
            try output.write(contentsOf: preamble)
            written = preamble.count
            for index in 0..<header.chunkCount {
                let final = index == header.chunkCount - 1
                let expected = header.plaintextCount(ofChunk: index)
                var plaintext = Array(try input.read(upToCount: expected) ?? Data())
                defer { Sodium.wipe(&plaintext) }
                guard plaintext.count == expected else { throw Self.changed(source) }
                check.update(plaintext)
                let sealed = try AESGCM.seal(
                    plaintext, key: dataKey, nonce: AssetHeader.chunkNonce(index: index, final: final),
                    associatedData: header.chunkAAD(site: keys.site, id: id, index: index, final: final))
                try output.write(contentsOf: sealed)
                written += sealed.count
            }
            guard try input.read(upToCount: 1)?.isEmpty ?? true, constantTimeEqual(check.finish(), hash) else { throw Self.changed(source) }
            try output.synchronize()
            if FileManager.default.fileExists(atPath: destination.path) { try FileManager.default.removeItem(at: destination) }
            try FileManager.default.moveItem(at: partial, to: destination)
        } catch let error as CryptoError {
            try? FileManager.default.removeItem(at: partial)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: partial)
            throw .fileAccess("cannot seal \(source.path) into \(destination.path): \(error.localizedDescription)")
        }
        return SealedAsset(id: id, size: size, sealedSize: written)
    }

    /// The opaque public id the asset would get (hex), without writing anything.
    /// - Throws: ``CryptoError/fileAccess(_:)`` when the file cannot be read.
    public func id(ofFileAt source: URL) throws(CryptoError) -> String {
        id(ofHash: try Self.hash(fileAt: source).hash)
    }

    // MARK: Derivation (docs/FORMAT.md, "Sealed assets")

    /// `hex(derive₂("asset-id", site, H, 16))`: depends on the bytes, never on the file name.
    func id(ofHash hash: [UInt8]) -> String {
        Encoding.hex(keys.master.derive("asset-id", [Array(keys.site.utf8), hash], length: 16, label: .v2))
    }

    /// `derive₂("asset-key", site, H, chunk, 32)`: the chunk size is in it, so one key never
    /// seals two chunk layouts of the same bytes.
    func dataKey(ofHash hash: [UInt8]) -> [UInt8] {
        keys.master.derive("asset-key", [Array(keys.site.utf8), hash, Array(String(chunkSize).utf8)], length: 32, label: .v2)
    }

    /// BLAKE2b-256 of the file's bytes and their count, reading one chunk at a time.
    static func hash(fileAt source: URL) throws(CryptoError) -> (hash: [UInt8], size: Int) {
        do {
            let input = try FileHandle(forReadingFrom: source)
            defer { try? input.close() }
            let hasher = Sodium.BLAKE2b256()
            var size = 0
            while let data = try input.read(upToCount: 1 << 20), !data.isEmpty {
                hasher.update(Array(data))
                size += data.count
            }
            return (hasher.finish(), size)
        } catch {
            throw .fileAccess("cannot read \(source.path): \(error.localizedDescription)")
        }
    }

    static func changed(_ source: URL) -> CryptoError {
        .fileAccess("\(source.path) changed while it was being sealed; build again")
    }
}
