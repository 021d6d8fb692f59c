/// AES-256-GCM with a 12-byte nonce and a 16-byte tag, in combined mode
/// (`ciphertext ‖ tag`, the layout WebCrypto reads and writes).
public enum AESGCM {
    /// Key size in bytes (32).
    public static let keyCount = Sodium.keyBytes
    /// Nonce size in bytes (12).
    public static let nonceCount = Sodium.nonceBytes
    /// Tag size in bytes (16).
    public static let tagCount = Sodium.tagBytes

    /// Encrypts and authenticates `plaintext`, and authenticates `associatedData`.
    /// - Warning: never use one `(key, nonce)` pair for two different plaintexts.
    /// - Throws: ``CryptoError`` for wrong sizes or a CPU without AES-GCM.
    public static func seal(_ plaintext: [UInt8], key: SecretBytes, nonce: [UInt8], associatedData: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        try Sodium.aesGCMSeal(plaintext, key: key, nonce: nonce, associatedData: associatedData)
    }

    /// Checks and decrypts `sealed` (`ciphertext ‖ tag`).
    /// - Throws: ``CryptoError/authenticationFailed`` when anything differs from sealing time.
    public static func open(_ sealed: [UInt8], key: SecretBytes, nonce: [UInt8], associatedData: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        try Sodium.aesGCMOpen(sealed, key: key, nonce: nonce, associatedData: associatedData)
    }

    /// Throws unless libsodium is ready and this CPU runs AES-256-GCM.
    public static func checkAvailable() throws(CryptoError) { try Sodium.ready() }
}
