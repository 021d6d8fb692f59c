import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finds the bytes of premium assets in clear in a built site: a whole-file copy under any
/// name (same size and hash, then the same bytes), or the asset inside another file (a few
/// distinctive windows sampled from the middle of the asset, found in the file).
struct PremiumAssetCheck: Sendable {
    /// What is looked for of one premium asset.
    struct Print: Sendable {
        var source: String
        var size: Int
        var hash: UInt64
        /// Windows sampled from the asset; a file holding at least two of them (or the only
        /// one) holds the asset.
        var windows: [[UInt8]]
    }

    /// Window length; assets shorter than two windows are matched as whole files only.
    static let windowLength = 96

    /// Distance between two probes of a file; windows are indexed at this many offsets.
    static let probeStride = 32

    let prints: [Print]
    /// Every 8 bytes of every window at offsets `0..<probeStride`: where they come from.
    private let anchors: [UInt64: [Anchor]]

    private struct Anchor: Sendable {
        var print: Int
        var window: Int
        var offset: Int
    }

    /// Reads every premium asset (from the site at `source`) once.
    init(assets: [PremiumAsset], source: URL) {
        prints = assets.compactMap { asset in
            guard let data = try? Data(contentsOf: source.appendingPathComponent(asset.asset.source), options: .mappedIfSafe), !data.isEmpty else {
                return nil
            }
            return data.withUnsafeBytes { raw in
                let bytes = raw.bindMemory(to: UInt8.self)
                return Print(source: asset.asset.source, size: bytes.count, hash: Self.hash(bytes), windows: Self.windows(of: bytes))
            }
        }
        var anchors: [UInt64: [Anchor]] = [:]
        for (printIndex, print) in prints.enumerated() {
            for (windowIndex, window) in print.windows.enumerated() {
                window.withUnsafeBytes { raw in
                    for offset in 0..<Self.probeStride {
                        anchors[raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self), default: []]
                            .append(Anchor(print: printIndex, window: windowIndex, offset: offset))
                    }
                }
            }
        }
        self.anchors = anchors
    }

    var isEmpty: Bool { prints.isEmpty }

    /// One diagnostic per output file (under `folder`, named `label/…`) that holds a premium
    /// asset in clear; sealed assets (`assets/sealed/`) are ciphertext and skipped.
    func findings(in folder: URL, label: String) -> [Diagnostic] {
        guard !prints.isEmpty, let enumerator = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        let paths = enumerator.allObjects.compactMap { $0 as? String }.filter { !$0.hasPrefix("assets/sealed/") }.sorted()
        let found: [[Diagnostic]] = parallelMap(paths) { path in
            let url = folder.appendingPathComponent(path)
            guard !ContentScan.isDirectory(url), let data = try? Data(contentsOf: url, options: .mappedIfSafe) else { return [] }
            return data.withUnsafeBytes { raw in
                let bytes = raw.bindMemory(to: UInt8.self)
                let fileHash = prints.contains { $0.size == bytes.count } ? Self.hash(bytes) : 0
                let inside = printsWithWindows(in: bytes)
                return prints.indices.compactMap { index in
                    let print = prints[index]
                    let whole = print.size == bytes.count && print.hash == fileHash
                    guard whole || inside.contains(index) else { return nil }
                    let what = whole ? "a copy of the premium asset" : "the bytes of the premium asset"
                    return Diagnostic(
                        file: "\(label)/\(path)",
                        "this file holds \(what) \(print.source) in clear; nothing was published. Only premium parts use that file, "
                            + "so the site publishes it sealed: remove this copy (from static/, layouts/ or content/), or use the asset on a public page to publish it in clear")
                }
            }
        }
        return found.flatMap { $0 }
    }

    /// The prints (indices) of which `bytes` holds enough windows: at least two, or the only one.
    ///
    /// The file is probed every ``probeStride`` bytes: a window that occurs anywhere covers
    /// one probe at an offset below ``probeStride`` into it, and every 8 bytes of each window
    /// at those offsets are in ``anchors``. A hit is then compared in full.
    private func printsWithWindows(in bytes: UnsafeBufferPointer<UInt8>) -> Set<Int> {
        guard !anchors.isEmpty, bytes.count >= Self.windowLength, let base = bytes.baseAddress else { return [] }
        var found: [Int: Set<Int>] = [:]
        var position = 0
        while position + 8 <= bytes.count {
            if let hits = anchors[UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self)] {
                for hit in hits {
                    let start = position - hit.offset
                    guard start >= 0, start + Self.windowLength <= bytes.count else { continue }
                    let matches = prints[hit.print].windows[hit.window].withUnsafeBytes { window in
                        memcmp(base + start, window.baseAddress!, Self.windowLength) == 0
                    }
                    if matches { found[hit.print, default: []].insert(hit.window) }
                }
            }
            position += Self.probeStride
        }
        return Set(found.filter { $0.value.count >= min(2, prints[$0.key].windows.count) }.keys)
    }

    /// FNV-1a over the whole file.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }

    /// Up to three windows from the middle of the asset (away from headers and trailers that
    /// files of one format share), each with enough distinct bytes to be its own.
    static func windows(of bytes: UnsafeBufferPointer<UInt8>) -> [[UInt8]] {
        guard bytes.count >= 2 * windowLength else { return [] }
        var windows: [[UInt8]] = []
        for fraction in [0.3, 0.5, 0.7] {
            var start = min(Int(Double(bytes.count) * fraction), bytes.count - windowLength)
            let stop = min(start + 4 * windowLength, bytes.count - windowLength)
            while start <= stop {
                let window = Array(bytes[start..<start + windowLength])
                if Set(window).count >= 16, !windows.contains(window) {
                    windows.append(window)
                    break
                }
                start += windowLength / 2
            }
        }
        return windows
    }
}
