/// The site's 32-byte master key: every tier key and access code derives from it.
///
/// - Warning: whoever holds it can read every premium chapter of every epoch. Keep it out
///   of the output folder, out of git and out of logs.
public struct MasterKey: Sendable {
    /// Size in bytes.
    public static let count = 32

    let secret: SecretBytes

    /// Wraps existing key bytes.
    /// - Throws: ``CryptoError/invalidKeyLength(expected:actual:)`` unless there are 32 bytes.
    public init(_ secret: SecretBytes) throws(CryptoError) {
        guard secret.count == Self.count else { throw .invalidKeyLength(expected: Self.count, actual: secret.count) }
        self.secret = secret
    }

    /// Reads the base64 form used by key files and `TOLLGATE_MASTER_KEY`.
    /// - Throws: ``CryptoError`` when the text is not base64 of 32 bytes.
    public init(base64 text: String) throws(CryptoError) {
        var bytes = try Encoding.base64(text, what: "master key (base64 of 32 bytes)")
        defer { Sodium.wipe(&bytes) }
        try self.init(SecretBytes(copying: bytes))
    }

    /// A new random master key.
    public static func generate() -> MasterKey {
        // 32 bytes: the size check cannot fail.
        try! MasterKey(SecretBytes(randomCount: count))
    }

    /// The base64 form, for writing a key file.
    /// - Warning: the result is the secret itself.
    public func base64EncodedSecret() -> String {
        var bytes = secret.bytes
        defer { Sodium.wipe(&bytes) }
        return Encoding.base64(bytes)
    }

    /// The key of `tier` at `epoch`: `derive("tier-key", tier, epoch, 32)`.
    public func tierKey(_ tier: String, epoch: Int) -> TierKey {
        var bytes = derive("tier-key", [Array(tier.utf8), KeyDerivation.epochText(epoch)], length: 32)
        defer { Sodium.wipe(&bytes) }
        return TierKey(tier: tier, epoch: epoch, secret: SecretBytes(copying: bytes))
    }

    /// The access code that unlocks `tier` at `epoch` without a server.
    public func accessCode(_ tier: String, epoch: Int) -> AccessCode {
        var bytes = derive("access-code", [Array(tier.utf8), KeyDerivation.epochText(epoch)], length: 16)
        defer { Sodium.wipe(&bytes) }
        return AccessCode(tier: tier, epoch: epoch, secret: SecretBytes(copying: bytes))
    }

    /// A public fingerprint of the master key (to tell two key files apart), never the key.
    public var fingerprint: String { KeyDerivation.keyID(of: secret) }

    func derive(_ name: String, _ parts: [[UInt8]], length: Int, label: KeyDerivation.Label = .v1) -> [UInt8] {
        KeyDerivation.derive(name, parts, length: length, key: secret, label: label)
    }

    /// A 12-byte nonce: the first 12 bytes of a 16-byte version 2 derivation.
    func nonce(_ name: String, _ parts: [[UInt8]]) -> [UInt8] {
        Array(derive(name, parts, length: 16, label: .v2).prefix(12))
    }
}

/// The key of one tier at one epoch, with its public id.
public struct TierKey: Sendable {
    /// The tier's id in `site.yml`.
    public let tier: String
    /// The key epoch it belongs to.
    public let epoch: Int
    /// Public key id: 16 hex digits of a hash of the key.
    public let id: String
    let secret: SecretBytes

    init(tier: String, epoch: Int, secret: SecretBytes) {
        self.tier = tier
        self.epoch = epoch
        self.secret = secret
        id = KeyDerivation.keyID(of: secret)
    }

    /// The key bytes in base64, to hand to a member's browser.
    /// - Warning: the result is the secret itself.
    public func base64EncodedSecret() -> String {
        var bytes = secret.bytes
        defer { Sodium.wipe(&bytes) }
        return Encoding.base64(bytes)
    }
}
