/// A member's license key: 16 random bytes shown as `KXXX-XXXX-…-XXXX` (a ``HumanCode``
/// of kind `K`, with a check character, so a typo is caught before any request).
///
/// - Warning: the key is a secret. It is shown once, to its owner, when it is issued; the
///   license server stores only ``LicenseAuthority/lookupHash(of:)``.
public struct LicenseKey: Sendable {
    let secret: SecretBytes

    init(secret: SecretBytes) {
        self.secret = secret
    }

    /// A new random license key (128 bits from libsodium's CSPRNG).
    public static func generate() -> LicenseKey {
        LicenseKey(secret: SecretBytes(randomCount: HumanCode.payloadBytes))
    }

    /// Reads a key as a member typed it: any case, with or without hyphens and spaces.
    /// - Throws: ``CryptoError/invalidEncoding(_:)`` for the wrong length, characters or
    ///   kind (an access code is not a license key); ``CryptoError/checkCharacterMismatch``
    ///   for a typo.
    public init(parsing text: String) throws(CryptoError) {
        var decoded = try HumanCode.decode(text)
        defer { Sodium.wipe(&decoded.bytes) }
        guard decoded.kind == .license else { throw .invalidEncoding("license key (it starts with K)") }
        secret = SecretBytes(copying: decoded.bytes)
    }

    /// The key as a member types it.
    /// - Warning: this is the secret itself; print it only to its owner.
    public var text: String { HumanCode.encode(.license, secret.bytes) }
}

/// What the license server derives from the site's master key: lookup hashes of license
/// keys and device tokens, the keys of licenses bought through Stripe Checkout, and the
/// tier keys it hands out. Every value is a keyed BLAKE2b of a domain-separated label
/// (docs/FORMAT.md, "Derivation"), so the database alone reveals no usable key.
public struct LicenseAuthority: Sendable {
    let master: MasterKey

    /// Uses `master`, the same key `tollgate build` seals with.
    public init(master: MasterKey) {
        self.master = master
    }

    /// The 32-byte value stored in place of a license key: `derive("license-lookup", key)`.
    public func lookupHash(of key: LicenseKey) -> [UInt8] {
        key.secret.withUnsafeBytes { master.derive("license-lookup", [Array($0)], length: 32) }
    }

    /// The license key of the Stripe Checkout Session `sessionID`:
    /// `derive("checkout-license", sessionID, 16)`. A retried webhook gives the same key,
    /// and the key never needs to be stored to be shown on the success page.
    public func checkoutLicenseKey(session sessionID: String) -> LicenseKey {
        var bytes = master.derive("checkout-license", [Array(sessionID.utf8)], length: HumanCode.payloadBytes)
        defer { Sodium.wipe(&bytes) }
        return LicenseKey(secret: SecretBytes(copying: bytes))
    }

    /// The device token of the device record `recordID`: `"dt_"` and base64url of
    /// `derive("device-token", recordID, 32)`. Unlocking again from the same device gives
    /// the same token without a write; signing out deletes the record, and with it the token.
    /// - Warning: the token is a secret of the member's browser.
    public func deviceToken(record recordID: String) -> String {
        var bytes = master.derive("device-token", [Array(recordID.utf8)], length: 32)
        defer { Sodium.wipe(&bytes) }
        return "dt_" + Encoding.base64URL(bytes)
    }

    /// The 32-byte value stored in place of a device token: `derive("device-lookup", token)`.
    public func lookupHash(ofDeviceToken token: String) -> [UInt8] {
        master.derive("device-lookup", [Array(token.utf8)], length: 32)
    }

    /// The key of `tier` at `epoch`, the one chapters of that epoch are sealed for.
    public func tierKey(_ tier: String, epoch: Int) -> TierKey {
        master.tierKey(tier, epoch: epoch)
    }

    /// A public fingerprint of the master key, to compare with `tollgate keys show`.
    public var fingerprint: String { master.fingerprint }
}
