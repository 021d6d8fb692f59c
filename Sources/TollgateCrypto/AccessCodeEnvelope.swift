/// The access codes a site knows, published once per site (`assets/tollgate-site.js`,
/// docs/FORMAT.md): for each tier, the tier key of the current epoch in an envelope that
/// the tier's access code opens, and the ids of the codes of past epochs.
public struct AccessCodeEnvelope: Sendable, Codable, Equatable {
    /// The code's public id.
    public var id: String
    public var tier: String
    public var epoch: Int
    /// Key id, nonce and envelope: present for the current epoch only.
    public var kid: String?
    public var nonce: String?
    public var key: String?

    /// The entry as compact JSON, keys in a fixed order.
    public var json: String {
        let string = Encoding.jsonString
        var fields = "\"id\":\(string(id)),\"tier\":\(string(tier)),\"epoch\":\(epoch)"
        if let kid, let nonce, let key {
            fields += ",\"kid\":\(string(kid)),\"nonce\":\(string(nonce)),\"key\":\(string(key))"
        }
        return "{\(fields)}"
    }

    /// Opens the tier key in this envelope with `code`, as a reader with an access code does.
    /// - Throws: ``CryptoError`` when this entry is not `code`'s, has no envelope, or belongs
    ///   to another site.
    public func tierKey(site: String, code: AccessCode) throws(CryptoError) -> TierKey {
        guard id == code.id, let kid, let nonce, let key else { throw .authenticationFailed }
        var bytes = try AESGCM.open(
            Encoding.base64(key, what: "envelope"), key: code.keyEncryptionKey(site: site), nonce: Encoding.base64(nonce, what: "nonce"),
            associatedData: SealedChapter.codeAAD(site: site, tier: tier, epoch: epoch, keyID: kid))
        defer { Sodium.wipe(&bytes) }
        return TierKey(tier: tier, epoch: epoch, secret: SecretBytes(copying: bytes))
    }
}

extension [AccessCodeEnvelope] {
    /// The tier key that `code` opens in this list.
    /// - Throws: ``CryptoError/authenticationFailed`` when no entry of the current epoch is `code`'s.
    public func tierKey(site: String, code: AccessCode) throws(CryptoError) -> TierKey {
        guard let entry = first(where: { $0.id == code.id }) else { throw .authenticationFailed }
        return try entry.tierKey(site: site, code: code)
    }
}
