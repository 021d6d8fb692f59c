/// Keyed BLAKE2b with domain-separated, length-prefixed labels (docs/FORMAT.md, "Derivation").
enum KeyDerivation {
    /// The format version that introduced a label. Long-lived values (tier keys, access
    /// code secrets, key ids) keep their version 1 labels so sold codes and license
    /// servers' keys stay valid; per-object values (data keys, nonces) are version 2.
    enum Label: String, Sendable {
        case v1 = "tollgate/1 "
        case v2 = "tollgate/2 "
    }

    /// `BLAKE2b(key, "tollgate/N " ‖ name ‖ u32be(len(p)) ‖ p ‖ …, length)`.
    static func derive(_ name: String, _ parts: [[UInt8]], length: Int, key: SecretBytes, label: Label = .v1) -> [UInt8] {
        var message = Array(label.rawValue.utf8) + Array(name.utf8)
        for part in parts {
            let count = UInt32(part.count)
            message += [UInt8(count >> 24), UInt8((count >> 16) & 0xFF), UInt8((count >> 8) & 0xFF), UInt8(count & 0xFF)]
            message += part
        }
        defer { Sodium.wipe(&message) }
        return Sodium.blake2b(message, key: key, outputLength: length)
    }

    /// The public id of a key: 16 hex digits of an unkeyed BLAKE2b of it.
    static func keyID(of key: SecretBytes) -> String {
        var message = Array("tollgate/1 key-id".utf8) + key.bytes
        defer { Sodium.wipe(&message) }
        return Encoding.hex(Sodium.blake2b(message, key: nil, outputLength: 32).prefix(8))
    }

    static func epochText(_ epoch: Int) -> [UInt8] { Array(String(epoch).utf8) }
}

/// HKDF with SHA-256 (RFC 5869), as WebCrypto's `deriveKey({name: "HKDF", hash: "SHA-256"})`.
package enum HKDF {
    package static func sha256(inputKey: SecretBytes, salt: [UInt8], info: [UInt8], length: Int = 32) -> SecretBytes {
        precondition(length > 0 && length <= 255 * 32)
        var inputBytes = inputKey.bytes
        var pseudoRandomKey = Sodium.hmacSHA256(key: salt, message: inputBytes).bytes
        var output: [UInt8] = []
        var previous: [UInt8] = []
        defer {
            Sodium.wipe(&inputBytes)
            Sodium.wipe(&pseudoRandomKey)
            Sodium.wipe(&output)
            Sodium.wipe(&previous)
        }
        var counter: UInt8 = 1
        while output.count < length {
            var message = previous + info + [counter]
            previous = Sodium.hmacSHA256(key: pseudoRandomKey, message: message).bytes
            Sodium.wipe(&message)
            output += previous
            counter += 1
        }
        return SecretBytes(copying: output.prefix(length))
    }
}

/// SHA-256 (FIPS 180-4).
package func sha256(_ message: [UInt8]) -> [UInt8] { Sodium.sha256(message) }

/// HMAC-SHA-256 (RFC 2104) of `message` under `key`.
package func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] { Sodium.hmacSHA256(key: key, message: message).bytes }
