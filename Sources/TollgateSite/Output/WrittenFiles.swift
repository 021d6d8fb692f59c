import Foundation
import TollgateCrypto

/// The size and SHA-256 of every file a build wrote through ``OutputFolder``, taken from the
/// bytes while they were in memory, so that the service worker's build id
/// (``MemberFiles/buildID(of:known:)``) does not read 10,000 pages back from disk.
final class WrittenFiles: @unchecked Sendable {
    private let lock = NSLock()
    private var digests: [String: (size: Int, sha256: [UInt8])] = [:]

    /// Records the bytes written to `path` (relative to the folder, `/`-separated).
    func record(_ bytes: UnsafeRawBufferPointer, path: String) {
        let digest = sha256(Array(bytes))
        lock.lock()
        digests[Self.key(path)] = (bytes.count, digest)
        lock.unlock()
    }

    /// Forgets `path`: something other than ``OutputFolder/write(_:to:)`` wrote it.
    func forget(path: String) {
        lock.lock()
        digests[Self.key(path)] = nil
        lock.unlock()
    }

    /// The SHA-256 recorded for `path` (as the build id lists it: `/` and the relative path),
    /// if the file was written with `size` bytes.
    func digest(of path: String, size: Int) -> [UInt8]? {
        lock.lock()
        defer { lock.unlock() }
        guard let known = digests[path], known.size == size else { return nil }
        return known.sha256
    }

    /// `/a/b/index.html` for `a/b/index.html`, `a//b/./index.html` or `/a/b/index.html`.
    static func key(_ path: String) -> String {
        "/" + path.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }
}
