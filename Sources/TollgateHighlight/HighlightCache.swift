import Foundation
import TollgateCrypto

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `write(2)`, named apart from the methods below.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}

/// Highlighted blocks on disk, by the hash of everything that makes them: one file per block
/// under the cache folder (`.tollgate/cache/highlight/` of a site).
///
/// An entry is `tollgate-highlight-cache 1 <SHA-256 of the HTML in hex>\n` followed by the
/// HTML. An entry whose header or hash does not match its HTML (a truncated write, a disk
/// error, an edit) is never used: the block is highlighted again and the entry rewritten.
/// Entries are written to a temporary file and renamed, so a reader never sees half of one.
/// They are not synced to disk: an entry a crash leaves damaged fails its hash and is
/// rebuilt, and a sync per block (Foundation's `Data.write` does one) cost a cold
/// 10,000-chapter build more than the highlighting itself.
struct HighlightCache: Sendable {
    let folder: URL
    private static let magic = "tollgate-highlight-cache 1 "

    /// The key of a block: a hash of every input of its HTML.
    static func key(_ parts: [String]) -> String {
        Encoding.hex(sha256(Array(parts.joined(separator: "\u{0}\u{1}").utf8)))
    }

    /// The HTML stored under `key`, if the entry is whole.
    func html(for key: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path(for: key).path) else { return nil }
        let bytes = [UInt8](data)
        guard let newline = bytes.firstIndex(of: 0x0A) else { return nil }
        let header = String(decoding: bytes[..<newline], as: UTF8.self)
        guard header.hasPrefix(Self.magic) else { return nil }
        let body = Array(bytes[(newline + 1)...])
        guard header.dropFirst(Self.magic.count) == Encoding.hex(sha256(body)) else { return nil }
        return String(decoding: body, as: UTF8.self)
    }

    /// Stores `html` under `key`; a cache that cannot be written is only slower.
    func store(_ html: String, for key: String) {
        let body = Array(html.utf8)
        let entry = Array((Self.magic + Encoding.hex(sha256(body)) + "\n").utf8) + body
        let file = path(for: key)
        let subfolder = file.deletingLastPathComponent()
        if mkdir(subfolder.path, 0o755) != 0, errno != EEXIST {
            try? FileManager.default.createDirectory(at: subfolder, withIntermediateDirectories: true)
        }
        // A name of its own per writer: two threads may store the same block at once.
        let temporary = file.path + ".tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return }
        var offset = 0
        let whole = entry.withUnsafeBytes { bytes -> Bool in
            while offset < bytes.count {
                let written = systemWrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += written
            }
            return true
        }
        close(descriptor)
        if !whole || rename(temporary, file.path) != 0 { unlink(temporary) }
    }

    /// `ab/abcdef….html`: 256 subfolders keep folders small on big sites.
    func path(for key: String) -> URL {
        folder.appendingPathComponent(String(key.prefix(2)), isDirectory: true).appendingPathComponent(key + ".html")
    }
}
