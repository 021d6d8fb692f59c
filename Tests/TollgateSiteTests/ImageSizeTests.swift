import Testing

@testable import TollgateSite

/// Image headers written byte by byte, as the formats' specifications lay them out.
@Suite("Image size from file headers")
struct ImageSizeTests {
    func size(_ bytes: [UInt8]) -> ImageSize? { bytes.withUnsafeBufferPointer { ImageSize.read($0) } }
    func size(_ text: String) -> ImageSize? { size(Array(text.utf8)) }

    func bigEndian(_ value: Int, _ count: Int) -> [UInt8] { (0..<count).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
    func littleEndian(_ value: Int, _ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }

    @Test("PNG: width and height of IHDR")
    func png() {
        let header: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + bigEndian(13, 4) + Array("IHDR".utf8)
        #expect(size(header + bigEndian(1920, 4) + bigEndian(1080, 4) + [8, 6, 0, 0, 0]) == ImageSize(width: 1920, height: 1080))
        #expect(size(header + bigEndian(0, 4) + bigEndian(10, 4)) == nil)
        #expect(size(Array(header.prefix(20))) == nil)
    }

    @Test("GIF: the logical screen, little-endian")
    func gif() {
        #expect(size(Array("GIF89a".utf8) + littleEndian(300, 2) + littleEndian(2, 2) + [0, 0, 0]) == ImageSize(width: 300, height: 2))
        #expect(size(Array("GIF87a".utf8) + littleEndian(1, 2) + littleEndian(65535, 2)) == ImageSize(width: 1, height: 65535))
    }

    @Test("JPEG: the first start-of-frame after other segments (APP0, DQT, DHT), baseline or progressive")
    func jpeg() {
        let app0: [UInt8] = [0xFF, 0xE0] + bigEndian(16, 2) + Array("JFIF".utf8) + [0] + [1, 1, 0, 0, 1, 0, 1, 0, 0]
        let quantisation: [UInt8] = [0xFF, 0xDB] + bigEndian(4, 2) + [0, 1]
        let huffman: [UInt8] = [0xFF, 0xC4] + bigEndian(5, 2) + [0, 1, 2]
        for frame: UInt8 in [0xC0, 0xC2] {
            let start: [UInt8] = [0xFF, frame] + bigEndian(17, 2) + [8] + bigEndian(480, 2) + bigEndian(640, 2) + [3]
            #expect(size([0xFF, 0xD8] + app0 + quantisation + huffman + start) == ImageSize(width: 640, height: 480))
        }
        #expect(size([0xFF, 0xD8] + app0 + [0xFF, 0xDA] + bigEndian(8, 2)) == nil)
    }

    @Test("WebP: lossy (VP8), lossless (VP8L) and extended (VP8X)")
    func webP() {
        func riff(_ chunk: String, _ payload: [UInt8]) -> [UInt8] {
            Array("RIFF".utf8) + littleEndian(100, 4) + Array("WEBP".utf8) + Array(chunk.utf8) + littleEndian(payload.count, 4) + payload
        }
        #expect(size(riff("VP8 ", [0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A] + littleEndian(400, 2) + littleEndian(300, 2))) == ImageSize(width: 400, height: 300))
        #expect(size(riff("VP8L", [0x2F] + littleEndian((1000 - 1) | (750 - 1) << 14, 4))) == ImageSize(width: 1000, height: 750))
        #expect(size(riff("VP8X", [0, 0, 0, 0] + littleEndian(4095, 3) + littleEndian(2047, 3))) == ImageSize(width: 4096, height: 2048))
    }

    @Test("SVG: width and height in pixels, else the viewBox, scaled when one side is given")
    func svg() {
        #expect(size(#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="120px" height="80">"#) == ImageSize(width: 120, height: 80))
        #expect(size(#"<svg viewBox="0 0 640.4 360"><rect/></svg>"#) == ImageSize(width: 640, height: 360))
        #expect(size(#"<svg width="100%" height="100%" viewBox="0,0,400,300">"#) == ImageSize(width: 400, height: 300))
        #expect(size(#"<svg width="200" viewBox="0 0 400 300">"#) == ImageSize(width: 200, height: 150))
        #expect(size(#"<!-- a drawing --><svg width="10em" height="4em">"#) == nil)
        #expect(size("plain text, not an image") == nil)
    }
}
