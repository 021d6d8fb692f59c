/// Seals premium chapters of one site at one epoch (docs/FORMAT.md, "Sealing a chapter").
///
/// Deterministic: the same master key, site, path, epoch and HTML always give the same
/// payload, so builds are reproducible; the data key and body nonce derive from the
/// compressed bytes actually encrypted, so no (key, nonce) pair protects two plaintexts.
public struct ChapterSealer: Sendable {
    /// How many past epochs' code ids a page lists, so readers can say "this code is old".
    public static let pastEpochsListed = 10

    let master: MasterKey
    let site: String
    let epoch: Int
    let tierKeys: [String: TierKey]
    /// The site's access code envelopes (empty when access codes are off).
    public let codes: [AccessCodeEnvelope]

    /// Prepares the keys of `tiers` at `epoch`.
    ///
    /// - Parameters:
    ///   - site: the site id (host and path of the base URL).
    ///   - tiers: every premium tier id of the site.
    ///   - accessCodes: whether the site publishes envelopes for access codes (``codes``).
    /// - Throws: ``CryptoError`` when this machine cannot run AES-256-GCM.
    public init(master: MasterKey, site: String, epoch: Int, tiers: [String], accessCodes: Bool) throws(CryptoError) {
        try AESGCM.checkAvailable()
        self.master = master
        self.site = site
        self.epoch = epoch
        var keys: [String: TierKey] = [:]
        for tier in tiers { keys[tier] = master.tierKey(tier, epoch: epoch) }
        tierKeys = keys
        var codes: [AccessCodeEnvelope] = []
        if accessCodes {
            for tier in tiers.sorted() {
                let key = keys[tier]!
                let code = master.accessCode(tier, epoch: epoch)
                let nonce = master.nonce("code-nonce", [Array(site.utf8), Array(tier.utf8), KeyDerivation.epochText(epoch)])
                var tierKeyBytes = key.secret.bytes
                defer { Sodium.wipe(&tierKeyBytes) }
                let envelope = try AESGCM.seal(
                    tierKeyBytes, key: code.keyEncryptionKey(site: site), nonce: nonce,
                    associatedData: SealedChapter.codeAAD(site: site, tier: tier, epoch: epoch, keyID: key.id))
                codes.append(.init(id: code.id, tier: tier, epoch: epoch, kid: key.id, nonce: Encoding.base64(nonce), key: Encoding.base64(envelope)))
                for past in stride(from: epoch - 1, through: max(1, epoch - Self.pastEpochsListed), by: -1) {
                    codes.append(.init(id: master.accessCode(tier, epoch: past).id, tier: tier, epoch: past))
                }
            }
        }
        self.codes = codes
    }

    /// The key ids of the current epoch, by tier.
    public var keyIDs: [String: String] { tierKeys.mapValues(\.id) }

    /// Seals `html`, the premium part of the chapter at `path`, for the tiers in `readers`
    /// (the chapter's tier and every tier that includes it).
    /// - Throws: ``CryptoError`` when a reader is not a tier given at init, or compression fails.
    public func seal(html: String, path: String, readers: [String]) throws(CryptoError) -> SealedChapter {
        try seal(html: html, path: path, readers: readers, compress: ZLib.deflateRaw)
    }

    /// Seals with the given raw DEFLATE compressor (tests give another one): the data key
    /// and body nonce derive from the exact bytes encrypted, never from the HTML alone.
    func seal(
        html: String, path: String, readers: [String], compress: ([UInt8]) throws(CryptoError) -> [UInt8]
    ) throws(CryptoError) -> SealedChapter {
        let compressed = try compress(Array(html.utf8))
        let compressedHash = Sodium.blake2b(compressed, key: nil, outputLength: 32)
        let context = [Array(site.utf8), Array(path.utf8), KeyDerivation.epochText(epoch), compressedHash]
        var dataKeyBytes = master.derive("data-key", context, length: 32, label: .v2)
        defer { Sodium.wipe(&dataKeyBytes) }
        let dataKey = SecretBytes(copying: dataKeyBytes)
        let bodyNonce = master.nonce("body-nonce", context)
        let body = try AESGCM.seal(compressed, key: dataKey, nonce: bodyNonce, associatedData: SealedChapter.bodyAAD(site: site, path: path, epoch: epoch))
        let wraps = try wrap(dataKeyBytes, for: readers) { kid in SealedChapter.wrapAAD(site: site, path: path, epoch: epoch, keyID: kid) }
        return SealedChapter(epoch: epoch, body: .init(nonce: Encoding.base64(bodyNonce), ct: Encoding.base64(body)), wraps: wraps)
    }

    /// Wraps a data key under the tier key of each reader, ordered by tier id.
    func wrap(_ dataKey: [UInt8], for readers: [String], associatedData: (String) -> [UInt8]) throws(CryptoError) -> [SealedChapter.Wrap] {
        var wraps: [SealedChapter.Wrap] = []
        for tier in Set(readers).sorted() {
            guard let key = tierKeys[tier] else { throw .invalidEncoding("tier '\(tier)' (not a premium tier of this site)") }
            let nonce = master.nonce("wrap-nonce", [Array(key.id.utf8), dataKey])
            let wrapped = try AESGCM.seal(dataKey, key: key.secret, nonce: nonce, associatedData: associatedData(key.id))
            wraps.append(.init(tier: tier, kid: key.id, nonce: Encoding.base64(nonce), key: Encoding.base64(wrapped)))
        }
        return wraps
    }
}
