import CSodium
import CZlib

// Every call into libsodium and zlib lives in this file. Nothing here takes or returns a
// pointer: callers pass byte arrays and `SecretBytes`, and buffers are freed with `defer`.

/// libsodium, initialised once per process.
enum Sodium {
    /// The result of `sodium_init`, run once (a static `let` is initialised exactly once).
    private static let status: CryptoError? = {
        guard sodium_init() >= 0 else { return .libraryUnavailable }
        guard crypto_aead_aes256gcm_is_available() != 0 else { return .aesGCMUnavailable }
        return nil
    }()

    /// Initialises libsodium and checks that this CPU runs AES-256-GCM.
    static func ready() throws(CryptoError) {
        if let status { throw status }
    }

    // MARK: AES-256-GCM

    static let keyBytes = Int(crypto_aead_aes256gcm_KEYBYTES)
    static let nonceBytes = Int(crypto_aead_aes256gcm_NPUBBYTES)
    static let tagBytes = Int(crypto_aead_aes256gcm_ABYTES)

    static func aesGCMSeal(_ plaintext: [UInt8], key: SecretBytes, nonce: [UInt8], associatedData: [UInt8]) throws(CryptoError) -> [UInt8] {
        try ready()
        try check(key: key, nonce: nonce)
        var output = [UInt8](repeating: 0, count: plaintext.count + tagBytes)
        var written: UInt64 = 0
        let result = output.withUnsafeMutableBytes { out in
            key.withUnsafeBytes { keyBytes in
                crypto_aead_aes256gcm_encrypt(
                    out.baseAddress!.assumingMemoryBound(to: UInt8.self), &written,
                    plaintext, UInt64(plaintext.count),
                    associatedData, UInt64(associatedData.count),
                    nil, nonce, keyBytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        guard result == 0 else { throw .sealFailed }
        return output
    }

    static func aesGCMOpen(_ sealed: [UInt8], key: SecretBytes, nonce: [UInt8], associatedData: [UInt8]) throws(CryptoError) -> [UInt8] {
        try ready()
        try check(key: key, nonce: nonce)
        guard sealed.count >= tagBytes else { throw .authenticationFailed }
        // One spare byte so the buffer has an address when the plaintext is empty.
        var output = [UInt8](repeating: 0, count: sealed.count - tagBytes + 1)
        var written: UInt64 = 0
        let result = output.withUnsafeMutableBytes { out in
            key.withUnsafeBytes { keyBytes in
                crypto_aead_aes256gcm_decrypt(
                    out.baseAddress!.assumingMemoryBound(to: UInt8.self), &written, nil,
                    sealed, UInt64(sealed.count),
                    associatedData, UInt64(associatedData.count),
                    nonce, keyBytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        guard result == 0 else {
            wipe(&output)
            throw .authenticationFailed
        }
        output.removeLast(output.count - Int(written))
        return output
    }

    private static func check(key: SecretBytes, nonce: [UInt8]) throws(CryptoError) {
        guard key.count == keyBytes else { throw .invalidKeyLength(expected: keyBytes, actual: key.count) }
        guard nonce.count == nonceBytes else { throw .invalidNonceLength(expected: nonceBytes, actual: nonce.count) }
    }

    // MARK: Hashes

    /// BLAKE2b with an `outputLength`-byte digest (16…64), keyed when `key` is given.
    static func blake2b(_ message: [UInt8], key: SecretBytes?, outputLength: Int) -> [UInt8] {
        precondition((Int(crypto_generichash_BYTES_MIN)...Int(crypto_generichash_BYTES_MAX)).contains(outputLength))
        var output = [UInt8](repeating: 0, count: outputLength)
        let result: Int32
        if let key {
            precondition((Int(crypto_generichash_KEYBYTES_MIN)...Int(crypto_generichash_KEYBYTES_MAX)).contains(key.count))
            result = key.withUnsafeBytes { keyBytes in
                crypto_generichash(&output, outputLength, message, UInt64(message.count), keyBytes.baseAddress!.assumingMemoryBound(to: UInt8.self), key.count)
            }
        } else {
            result = crypto_generichash(&output, outputLength, message, UInt64(message.count), nil, 0)
        }
        precondition(result == 0, "crypto_generichash failed with valid lengths")
        return output
    }

    /// Unkeyed BLAKE2b-256 of data given piece by piece (a file read in chunks).
    final class BLAKE2b256 {
        private let state: UnsafeMutableRawPointer

        init() {
            state = .allocate(byteCount: crypto_generichash_statebytes(), alignment: 64)
            let result = crypto_generichash_init(OpaquePointer(state), nil, 0, 32)
            precondition(result == 0, "crypto_generichash_init failed with valid lengths")
        }

        deinit {
            sodium_memzero(state, crypto_generichash_statebytes())
            state.deallocate()
        }

        func update(_ bytes: [UInt8]) {
            _ = crypto_generichash_update(OpaquePointer(state), bytes, UInt64(bytes.count))
        }

        /// The digest; the hasher must not be used afterwards.
        func finish() -> [UInt8] {
            var output = [UInt8](repeating: 0, count: 32)
            _ = crypto_generichash_final(OpaquePointer(state), &output, 32)
            return output
        }
    }

    static func sha256(_ message: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(crypto_hash_sha256_BYTES))
        _ = crypto_hash_sha256(&output, message, UInt64(message.count))
        return output
    }

    /// HMAC-SHA-256 with a key of any length (RFC 2104).
    static func hmacSHA256(key: [UInt8], message: [UInt8]) -> SecretBytes {
        var state = crypto_auth_hmacsha256_state()
        defer { sodium_memzero(&state, MemoryLayout<crypto_auth_hmacsha256_state>.size) }
        var output = [UInt8](repeating: 0, count: Int(crypto_auth_hmacsha256_BYTES))
        defer { wipe(&output) }
        _ = crypto_auth_hmacsha256_init(&state, key, key.count)
        _ = crypto_auth_hmacsha256_update(&state, message, UInt64(message.count))
        _ = crypto_auth_hmacsha256_final(&state, &output)
        return SecretBytes(copying: output)
    }

    // MARK: Memory

    static func randomBytes(_ count: Int) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: count)
        randombytes_buf(&output, count)
        return output
    }

    static func fillRandom(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress else { return }
        randombytes_buf(base, buffer.count)
    }

    /// True when `a` and `b` are equal, in time that depends only on their lengths.
    static func constantTimeEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        guard a.count > 0 else { return true }
        return sodium_memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0
    }

    static func wipe(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress else { return }
        sodium_memzero(base, buffer.count)
    }

    static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { wipe($0) }
    }
}

/// Raw DEFLATE (RFC 1951) through zlib: what `DecompressionStream("deflate-raw")` reads.
///
/// The parameters are part of the sealed format (docs/FORMAT.md, "Compression"): level 9,
/// method 8 (deflate), raw (negative window bits, no header), window bits from
/// ``windowBits(forCount:)``, memLevel 8, strategy `Z_DEFAULT_STRATEGY`, one `deflate(Z_FINISH)`.
/// Keys and nonces derive from the compressed bytes, so another zlib or level changes
/// them too and never reuses a (key, nonce) pair.
enum ZLib {
    /// The pinned compression level.
    static let level: Int32 = 9
    /// The pinned memLevel.
    static let memoryLevel: Int32 = 8

    /// The smallest window (9…15 bits) of at least `count` bytes plus zlib's 262-byte margin.
    static func windowBits(forCount count: Int) -> Int32 {
        var windowBits: Int32 = 9
        while windowBits < 15, 1 << windowBits < count + 262 { windowBits += 1 }
        return windowBits
    }

    /// Compresses at level 9 with no header and a window just large enough for `input`. The
    /// output depends only on the input and zlib's version, so builds stay reproducible.
    ///
    /// On chapter-sized HTML (a few KiB) zlib's set-up for a 32 KiB window costs about as
    /// much as compressing. A window of at least the input plus zlib's 262-byte margin
    /// reaches every earlier byte of the input, so the output is the same bytes as with the
    /// full window, in about three quarters of the time. Level 1 would be faster still, but
    /// about 5 % larger on chapters, and ciphertext does not compress again on its way
    /// to the reader.
    static func deflateRaw(_ input: [UInt8]) throws(CryptoError) -> [UInt8] {
        var stream = z_stream()
        let windowBits = windowBits(forCount: input.count)
        guard deflateInit2_(&stream, level, Z_DEFLATED, -windowBits, memoryLevel, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .compressionFailed
        }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, UInt(input.count)))
        var output = [UInt8](repeating: 0, count: bound)
        var mutableInput = input
        let status: Int32 = mutableInput.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = UInt32(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = UInt32(outBuffer.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw .compressionFailed }
        output.removeLast(Int(stream.avail_out))
        return output
    }

    /// Decompresses raw DEFLATE, refusing output larger than `limit` bytes.
    static func inflateRaw(_ input: [UInt8], limit: Int) throws(CryptoError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .decompressionFailed
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var mutableInput = input
        var status: Int32 = Z_OK
        mutableInput.withUnsafeMutableBufferPointer { inBuffer in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = UInt32(inBuffer.count)
            while status == Z_OK {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { outBuffer in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = UInt32(outBuffer.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return outBuffer.count - Int(stream.avail_out)
                }
                output.append(contentsOf: chunk[..<produced])
                if output.count > limit { status = Z_BUF_ERROR; break }
                if status == Z_BUF_ERROR && stream.avail_in == 0 { break }
            }
        }
        guard status == Z_STREAM_END else { throw .decompressionFailed }
        return output
    }
}
