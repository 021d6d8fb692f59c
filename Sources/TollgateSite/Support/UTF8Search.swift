import Foundation

/// Byte-level substring search: Foundation's `range(of:)` goes through NSString on Linux,
/// which is slow on the build's hot paths.
enum UTF8Search {
    /// The UTF-8 offset of the first occurrence of `pattern` in `text`, at or after `start`.
    static func firstOffset(of pattern: String, in text: String, from start: Int = 0) -> Int? {
        let needle = Array(pattern.utf8)
        var text = text
        return text.withUTF8 { firstOffset(of: needle, in: $0, from: start) }
    }

    /// The offset of the first occurrence of `pattern` in `bytes`, at or after `start`.
    static func firstOffset(of pattern: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, from start: Int = 0) -> Int? {
        guard let first = pattern.first, pattern.count <= bytes.count else { return nil }
        var index = start
        let last = bytes.count - pattern.count
        while index <= last {
            // memchr finds the next candidate a word at a time.
            guard let found = memchr(bytes.baseAddress! + index, Int32(first), last - index + 1) else { return nil }
            index = bytes.baseAddress!.distance(to: found.assumingMemoryBound(to: UInt8.self))
            var matched = true
            for offset in 1..<pattern.count where bytes[index + offset] != pattern[offset] {
                matched = false
                break
            }
            if matched { return index }
            index += 1
        }
        return nil
    }
}
