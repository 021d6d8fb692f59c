/// What can go wrong in TollgateCrypto. No case carries key material.
public enum CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `sodium_init()` failed.
    case libraryUnavailable
    /// This CPU has no hardware AES-GCM, which libsodium requires for AES-256-GCM.
    case aesGCMUnavailable
    /// A key of the wrong size.
    case invalidKeyLength(expected: Int, actual: Int)
    /// A nonce of the wrong size.
    case invalidNonceLength(expected: Int, actual: Int)
    /// Encryption failed (does not happen with valid sizes).
    case sealFailed
    /// The ciphertext, its tag, the associated data or the key is not the one it was sealed with.
    case authenticationFailed
    /// zlib could not compress.
    case compressionFailed
    /// The compressed data is corrupt or too large.
    case decompressionFailed
    /// Text that should hold a key, code or payload is malformed; names what was expected.
    case invalidEncoding(String)
    /// A code or key with a wrong check character: a typo.
    case checkCharacterMismatch
    /// A file could not be read or written while sealing; names the file and what happened.
    case fileAccess(String)

    public var description: String {
        switch self {
        case .libraryUnavailable: "libsodium could not be initialised"
        case .aesGCMUnavailable:
            "this CPU has no hardware AES-GCM (AES-NI and CLMUL, or ARMv8 crypto extensions), which sealing needs; build on another machine"
        case .invalidKeyLength(let expected, let actual): "a key must be \(expected) bytes, not \(actual)"
        case .invalidNonceLength(let expected, let actual): "a nonce must be \(expected) bytes, not \(actual)"
        case .sealFailed: "AES-256-GCM encryption failed"
        case .authenticationFailed: "the data does not authenticate with this key (wrong key, or the data was changed or moved)"
        case .compressionFailed: "compression failed"
        case .decompressionFailed: "the compressed data is corrupt or too large"
        case .invalidEncoding(let what): "not a valid \(what)"
        case .checkCharacterMismatch: "the check character does not match (a typo?)"
        case .fileAccess(let what): what
        }
    }
}
