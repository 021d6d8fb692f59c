import Foundation

/// The pixel size of an image, read from its header: PNG, JPEG, GIF, WebP and SVG.
///
/// A sealed image is shown only after it is opened in the browser, so its page gives it a
/// width and height up front: the text around it does not move when it appears.
struct ImageSize: Sendable, Equatable {
    var width: Int
    var height: Int

    /// The size of the image at `url`, or nil when the file is not an image of a known format
    /// or its header gives no size (an SVG with relative units and no `viewBox`).
    init?(fileAt url: URL) {
        guard let data = try? Data(contentsOf: url, options: .mappedIfSafe) else { return nil }
        let size = data.withUnsafeBytes { raw in Self.read(raw.bindMemory(to: UInt8.self)) }
        guard let size else { return nil }
        self = size
    }

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// The size in the header of `bytes`, whichever known format it is.
    static func read(_ bytes: UnsafeBufferPointer<UInt8>) -> ImageSize? {
        let reader = ByteReader(bytes: bytes)
        if reader.matches([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], at: 0) { return png(reader) }
        if reader.matches(Array("GIF87a".utf8), at: 0) || reader.matches(Array("GIF89a".utf8), at: 0) { return gif(reader) }
        if reader.matches([0xFF, 0xD8], at: 0) { return jpeg(reader) }
        if reader.matches(Array("RIFF".utf8), at: 0), reader.matches(Array("WEBP".utf8), at: 8) { return webP(reader) }
        return svg(bytes)
    }

    /// PNG: the IHDR chunk comes first; width and height are big-endian 32-bit.
    private static func png(_ reader: ByteReader) -> ImageSize? {
        guard reader.matches(Array("IHDR".utf8), at: 12), let width = reader.bigEndian(16, 4), let height = reader.bigEndian(20, 4) else { return nil }
        return positive(width, height)
    }

    /// GIF: the logical screen's width and height, little-endian 16-bit.
    private static func gif(_ reader: ByteReader) -> ImageSize? {
        guard let width = reader.littleEndian(6, 2), let height = reader.littleEndian(8, 2) else { return nil }
        return positive(width, height)
    }

    /// JPEG: the first start-of-frame segment (SOF0–SOF15 but DHT, JPG and DAC), found by
    /// walking the segments by their lengths.
    private static func jpeg(_ reader: ByteReader) -> ImageSize? {
        var offset = 2
        while let marker = reader.byte(offset), marker == 0xFF, let kind = reader.byte(offset + 1) {
            if kind == 0xFF {
                offset += 1
                continue
            }
            if kind == 0xD8 || kind == 0x01 || (0xD0...0xD7).contains(kind) {
                offset += 2
                continue
            }
            if kind == 0xD9 || kind == 0xDA { return nil }
            guard let length = reader.bigEndian(offset + 2, 2), length >= 2 else { return nil }
            if (0xC0...0xCF).contains(kind), kind != 0xC4, kind != 0xC8, kind != 0xCC {
                guard let height = reader.bigEndian(offset + 5, 2), let width = reader.bigEndian(offset + 7, 2) else { return nil }
                return positive(width, height)
            }
            offset += 2 + length
        }
        return nil
    }

    /// WebP: the first chunk is VP8 (lossy), VP8L (lossless) or VP8X (extended).
    private static func webP(_ reader: ByteReader) -> ImageSize? {
        if reader.matches(Array("VP8 ".utf8), at: 12) {
            guard reader.matches([0x9D, 0x01, 0x2A], at: 23), let width = reader.littleEndian(26, 2), let height = reader.littleEndian(28, 2) else { return nil }
            return positive(width & 0x3FFF, height & 0x3FFF)
        }
        if reader.matches(Array("VP8L".utf8), at: 12) {
            guard reader.byte(20) == 0x2F, let bits = reader.littleEndian(21, 4) else { return nil }
            return positive((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
        }
        if reader.matches(Array("VP8X".utf8), at: 12) {
            guard let width = reader.littleEndian(24, 3), let height = reader.littleEndian(27, 3) else { return nil }
            return positive(width + 1, height + 1)
        }
        return nil
    }

    /// SVG: the root element's `width` and `height` in pixels (or without a unit), else its
    /// `viewBox`.
    private static func svg(_ bytes: UnsafeBufferPointer<UInt8>) -> ImageSize? {
        let head = UnsafeBufferPointer(rebasing: bytes[0..<min(bytes.count, 64 * 1024)])
        guard let root = HTMLTag.all(in: head).first(where: { $0.name == "svg" }) else { return nil }
        if let width = root.attribute("width")?.value.flatMap(pixels), let height = root.attribute("height")?.value.flatMap(pixels) {
            return positive(width, height)
        }
        guard let box = root.attribute("viewbox")?.value else { return nil }
        let numbers = box.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\n" || $0 == "\t" }).compactMap { Double($0) }
        guard numbers.count == 4 else { return nil }
        let width = root.attribute("width")?.value.flatMap(pixels)
        let height = root.attribute("height")?.value.flatMap(pixels)
        let ratio = numbers[2] / max(numbers[3], .leastNonzeroMagnitude)
        if let width { return positive(width, Int((Double(width) / ratio).rounded())) }
        if let height { return positive(Int((Double(height) * ratio).rounded()), height) }
        return positive(Int(numbers[2].rounded()), Int(numbers[3].rounded()))
    }

    /// `120`, `120px` or `120.4` → 120; nil for other units (`%`, `em`, …).
    private static func pixels(_ text: String) -> Int? {
        var number = text.trimmingCharacters(in: .whitespaces)
        if number.hasSuffix("px") { number.removeLast(2) }
        return Double(number).map { Int($0.rounded()) }
    }

    private static func positive(_ width: Int, _ height: Int) -> ImageSize? {
        width > 0 && height > 0 ? ImageSize(width: width, height: height) : nil
    }
}

/// Bounds-checked reads of a file's header.
private struct ByteReader {
    let bytes: UnsafeBufferPointer<UInt8>

    func byte(_ offset: Int) -> UInt8? { offset >= 0 && offset < bytes.count ? bytes[offset] : nil }

    func matches(_ pattern: [UInt8], at offset: Int) -> Bool {
        offset + pattern.count <= bytes.count && pattern.indices.allSatisfy { bytes[offset + $0] == pattern[$0] }
    }

    func bigEndian(_ offset: Int, _ count: Int) -> Int? {
        guard offset >= 0, offset + count <= bytes.count else { return nil }
        return (0..<count).reduce(0) { $0 << 8 | Int(bytes[offset + $1]) }
    }

    func littleEndian(_ offset: Int, _ count: Int) -> Int? {
        guard offset >= 0, offset + count <= bytes.count else { return nil }
        return (0..<count).reversed().reduce(0) { $0 << 8 | Int(bytes[offset + $1]) }
    }
}
