/// Codes people type: a kind letter, 16 bytes in Crockford base32 and a Luhn mod 32 check
/// character, shown as seven groups of four (`CABC-DEFG-…`). See docs/FORMAT.md.
package enum HumanCode {
    /// What a code is for, from its first letter.
    package enum Kind: Character, Sendable {
        /// An access code: unlocks one tier for one epoch with no server.
        case access = "C"
        /// A license key: exchanged at the license server.
        case license = "K"
    }

    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)
    static let payloadBytes = 16
    static let payloadCharacters = 26
    static let length = 28

    /// The value of a Crockford base32 character, reading `O` as 0 and `I`, `L` as 1.
    static func value(of character: UInt8) -> Int? {
        switch character {
        case UInt8(ascii: "O"): 0
        case UInt8(ascii: "I"), UInt8(ascii: "L"): 1
        default: alphabet.firstIndex(of: character)
        }
    }

    /// Luhn mod 32 check value of `values`, doubling the rightmost.
    static func checkValue(_ values: [Int]) -> Int {
        var sum = 0
        var factor = 2
        for value in values.reversed() {
            let product = value * factor
            sum += product / 32 + product % 32
            factor = factor == 2 ? 1 : 2
        }
        return (32 - sum % 32) % 32
    }

    /// The grouped text of a code of `kind` carrying `bytes` (16 bytes).
    package static func encode(_ kind: Kind, _ bytes: [UInt8]) -> String {
        precondition(bytes.count == payloadBytes)
        var values = [value(of: kind.rawValue.asciiValue!)!]
        var buffer = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                values.append((buffer >> bits) & 31)
            }
            buffer &= (1 << bits) - 1
        }
        if bits > 0 { values.append((buffer << (5 - bits)) & 31) }
        values.append(checkValue(values))
        let characters = values.map { alphabet[$0] }
        var text: [UInt8] = []
        for (index, character) in characters.enumerated() {
            if index > 0 && index % 4 == 0 { text.append(UInt8(ascii: "-")) }
            text.append(character)
        }
        var valuesCopy = values
        valuesCopy.withUnsafeMutableBytes { Sodium.wipe($0) }
        return String(decoding: text, as: UTF8.self)
    }

    /// Reads a code as a person typed it: any case, spaces and hyphens anywhere.
    /// - Throws: ``CryptoError/invalidEncoding(_:)`` for a wrong length, kind or character;
    ///   ``CryptoError/checkCharacterMismatch`` for a typo.
    package static func decode(_ text: String) throws(CryptoError) -> (kind: Kind, bytes: [UInt8]) {
        var values: [Int] = []
        for character in text.uppercased().utf8 {
            if character == UInt8(ascii: "-") || character == UInt8(ascii: " ") { continue }
            guard let value = value(of: character) else { throw .invalidEncoding("code (unexpected character)") }
            values.append(value)
        }
        defer { values.withUnsafeMutableBytes { Sodium.wipe($0) } }
        guard values.count == length else { throw .invalidEncoding("code (\(length) characters expected)") }
        guard let kind = Kind(rawValue: Character(Unicode.Scalar(alphabet[values[0]]))) else {
            throw .invalidEncoding("code (it must start with C or K)")
        }
        guard checkValue(Array(values.dropLast())) == values.last! else { throw .checkCharacterMismatch }
        var bytes: [UInt8] = []
        var buffer = 0
        var bits = 0
        for value in values[1...payloadCharacters] {
            buffer = (buffer << 5) | value
            bits += 5
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8((buffer >> bits) & 0xFF))
            }
            buffer &= (1 << bits) - 1
        }
        guard buffer == 0, bytes.count == payloadBytes else { throw .invalidEncoding("code (padding bits)") }
        return (kind, bytes)
    }
}

/// A code that unlocks one tier at one epoch in the browser, with no license server.
///
/// The site publishes, in every sealed page, the tier key wrapped under a key derived
/// from the code (an envelope), so knowing the code is knowing the tier key.
public struct AccessCode: Sendable {
    /// The tier it unlocks.
    public let tier: String
    /// The epoch it belongs to.
    public let epoch: Int
    let secret: SecretBytes

    /// The code as a person types it: `CXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX`.
    /// - Warning: this is a secret; print it only to its owner.
    public var text: String { HumanCode.encode(.access, secret.bytes) }

    /// The public id of the code: `hex(SHA-256("tollgate/1 code-id" ‖ S)[0..<8])`.
    public var id: String { Encoding.hex(Sodium.sha256(Array("tollgate/1 code-id".utf8) + secret.bytes).prefix(8)) }

    /// The key that encrypts the tier key in the code's envelope of `site` (format version 2:
    /// the site id is in the HKDF info, so two sites never share an envelope key).
    func keyEncryptionKey(site: String) -> SecretBytes {
        HKDF.sha256(inputKey: secret, salt: Array("tollgate/2".utf8), info: Array("tollgate/2 code-kek\n\(site)".utf8))
    }

    /// Reads an access code as a person typed it (tier and epoch unknown until matched by id).
    /// - Throws: ``CryptoError`` for a malformed code, a typo, or a license key.
    public static func secretID(of text: String) throws(CryptoError) -> String {
        let (kind, bytes) = try HumanCode.decode(text)
        guard kind == .access else { throw .invalidEncoding("access code (this is a license key)") }
        return AccessCode(tier: "", epoch: 0, secret: SecretBytes(copying: bytes)).id
    }
}
