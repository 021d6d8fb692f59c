/// Key material in memory of its own, zeroed when the last reference goes away.
///
/// Copies of a Swift array cannot be tracked, so secrets live here instead: bytes are
/// copied in once, read through ``withUnsafeBytes(_:)`` inside the package, and wiped with
/// `sodium_memzero` on deinit.
public final class SecretBytes: @unchecked Sendable {
    // Immutable after init, so sharing across threads is safe.
    private let storage: UnsafeMutableRawBufferPointer

    /// Copies `bytes` into a new secret. The caller should wipe its own copy.
    public init(copying bytes: some Collection<UInt8>) {
        storage = .allocate(byteCount: max(bytes.count, 1), alignment: 16)
        storage.initializeMemory(as: UInt8.self, repeating: 0)
        _ = UnsafeMutableRawBufferPointer(rebasing: storage[..<bytes.count]).initializeMemory(as: UInt8.self, from: bytes)
        count = bytes.count
    }

    /// `count` random bytes from the operating system's generator.
    public init(randomCount count: Int) {
        storage = .allocate(byteCount: max(count, 1), alignment: 16)
        storage.initializeMemory(as: UInt8.self, repeating: 0)
        self.count = count
        Sodium.fillRandom(UnsafeMutableRawBufferPointer(rebasing: storage[..<count]))
    }

    deinit {
        Sodium.wipe(storage)
        storage.deallocate()
    }

    /// The number of bytes.
    public let count: Int

    package func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(rebasing: storage[..<count]))
    }

    /// The bytes, copied out (for wrapping a key under another key, or sending it to its owner).
    /// - Warning: the copy is an ordinary array; wipe it or keep it short-lived.
    package var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// True when both secrets hold the same bytes; the time taken depends only on the lengths.
    public func isEqual(to other: SecretBytes) -> Bool {
        withUnsafeBytes { mine in other.withUnsafeBytes { Sodium.constantTimeEqual(mine, $0) } }
    }
}

/// Constant-time comparison of two byte strings (for tags, tokens and hashes).
public func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    a.withUnsafeBytes { first in b.withUnsafeBytes { Sodium.constantTimeEqual(first, $0) } }
}

/// `count` random bytes from the operating system's generator.
public func randomBytes(_ count: Int) -> [UInt8] { Sodium.randomBytes(count) }
