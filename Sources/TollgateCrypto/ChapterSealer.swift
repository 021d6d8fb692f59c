/// Seals premium chapters of one site at one epoch (docs/FORMAT.md, "Sealing a chapter").
///
/// Deterministic: the same master key, site, path, epoch and HTML always give the same
/// payload, so builds are reproducible and no (key, nonce) pair protects two plaintexts.
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
                let nonce = Array(master.derive("code-nonce", [Array(tier.utf8), KeyDerivation.epochText(epoch)], length: 16).prefix(12))
                let envelope = try AESGCM.seal(
                    key.secret.bytes, key: code.keyEncryptionKey(), nonce: nonce,
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
        let plaintext = Array(html.utf8)
        let plaintextHash = Sodium.blake2b(plaintext, key: nil, outputLength: 32)
        let context = [Array(site.utf8), Array(path.utf8), KeyDerivation.epochText(epoch), plaintextHash]
        var dataKeyBytes = master.derive("data-key", context, length: 32)
        defer { Sodium.wipe(&dataKeyBytes) }
        let dataKey = SecretBytes(copying: dataKeyBytes)
        let bodyNonce = Array(master.derive("body-nonce", context, length: 16).prefix(12))
        let compressed = try ZLib.deflateRaw(plaintext)
        let body = try AESGCM.seal(compressed, key: dataKey, nonce: bodyNonce, associatedData: SealedChapter.bodyAAD(site: site, path: path, epoch: epoch))
        var wraps: [SealedChapter.Wrap] = []
        for tier in Set(readers).sorted() {
            guard let key = tierKeys[tier] else { throw .invalidEncoding("tier '\(tier)' (not a premium tier of this site)") }
            let nonce = Array(master.derive("wrap-nonce", [Array(key.id.utf8), dataKeyBytes], length: 16).prefix(12))
            let wrapped = try AESGCM.seal(
                dataKeyBytes, key: key.secret, nonce: nonce,
                associatedData: SealedChapter.wrapAAD(site: site, path: path, epoch: epoch, keyID: key.id))
            wraps.append(.init(tier: tier, kid: key.id, nonce: Encoding.base64(nonce), key: Encoding.base64(wrapped)))
        }
        return SealedChapter(epoch: epoch, body: .init(nonce: Encoding.base64(bodyNonce), ct: Encoding.base64(body)), wraps: wraps)
    }
}
