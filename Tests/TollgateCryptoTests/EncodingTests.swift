import Foundation
import Testing

@testable import TollgateCrypto

@Suite("Encodings")
struct EncodingTests {
    @Test("base64url is standard base64 with - and _ and no padding, for every length")
    func base64URL() {
        for length in 0..<70 {
            let bytes = randomBytes(length)
            let expected = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(Encoding.base64URL(bytes) == expected, "\(length) bytes")
        }
        #expect(Encoding.base64URL([0xFB, 0xFF, 0xBF]) == "-_-_")
    }
}
