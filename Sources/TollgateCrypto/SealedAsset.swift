/// A premium asset as the build published it: `assets/sealed/<id>.bin` (docs/FORMAT.md,
/// "Sealed assets").
public struct SealedAsset: Sendable, Equatable {
    /// The opaque public id (32 hex digits): the published file is `assets/sealed/<id>.bin`.
    public let id: String
    /// Plaintext bytes.
    public let size: Int
    /// Bytes written (header, chunks and their tags).
    public let sealedSize: Int

    /// Opens a sealed asset with a tier key, as a reader does (tests, tools): every chunk is
    /// checked, so a truncated, reordered or spliced file fails as a whole.
    ///
    /// - Parameters:
    ///   - sealed: the published file's bytes.
    ///   - site: the site id.
    ///   - id: the id in the file name the reader fetched (`<id>.bin`).
    /// - Throws: ``CryptoError/authenticationFailed`` when the key has no wrap here or
    ///   anything was changed, cut or moved; ``CryptoError/invalidEncoding(_:)`` when the
    ///   file is not a version 2 sealed asset.
    public static func open(_ sealed: [UInt8], site: String, id: String, with key: TierKey) throws(CryptoError) -> [UInt8] {
        let (header, offset) = try AssetHeader.read(sealed)
        guard let wrap = header.wraps.first(where: { $0.kid == key.id }) else { throw .authenticationFailed }
        var dataKeyBytes = try AESGCM.open(
            Encoding.base64(wrap.key, what: "wrapped key"), key: key.secret, nonce: Encoding.base64(wrap.nonce, what: "nonce"),
            associatedData: AssetHeader.wrapAAD(site: site, id: id, epoch: header.epoch, keyID: key.id))
        defer { Sodium.wipe(&dataKeyBytes) }
        let dataKey = SecretBytes(copying: dataKeyBytes)
        let count = header.chunkCount
        // Cut or extended files fail before any chunk is opened.
        guard sealed.count - offset == header.size + count * AESGCM.tagCount else { throw .authenticationFailed }
        var plaintext: [UInt8] = []
        plaintext.reserveCapacity(header.size)
        var at = offset
        for index in 0..<count {
            let final = index == count - 1
            let length = header.plaintextCount(ofChunk: index) + AESGCM.tagCount
            plaintext += try AESGCM.open(
                Array(sealed[at..<(at + length)]), key: dataKey, nonce: AssetHeader.chunkNonce(index: index, final: final),
                associatedData: header.chunkAAD(site: site, id: id, index: index, final: final))
            at += length
        }
        return plaintext
    }
}
