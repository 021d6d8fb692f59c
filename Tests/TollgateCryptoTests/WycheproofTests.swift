import Foundation
import XCTest

@testable import TollgateCrypto

/// Project Wycheproof vectors (Apache 2.0, `Fixtures/LICENSE-wycheproof`).
final class WycheproofTests: XCTestCase {
    struct File<Group: Decodable>: Decodable { let testGroups: [Group] }

    struct GCMGroup: Decodable {
        let keySize: Int
        let ivSize: Int
        let tests: [Case]
        struct Case: Decodable {
            let tcId: Int
            let key, iv, aad, msg, ct, tag, result: String
        }
    }

    struct HMACGroup: Decodable {
        let tagSize: Int
        let tests: [Case]
        struct Case: Decodable {
            let tcId: Int
            let key, msg, tag, result: String
        }
    }

    func testAES256GCMVectors() throws {
        let file: File<GCMGroup> = try load("wycheproof_aes_gcm_test.json")
        let cases = file.testGroups.filter { $0.keySize == 256 && $0.ivSize == 96 }.flatMap(\.tests)
        XCTAssertEqual(cases.count, 66)
        var valid = 0
        for test in cases {
            let key = SecretBytes(copying: try hex(test.key))
            let sealed = try hex(test.ct) + hex(test.tag)
            let label = "tcId \(test.tcId)"
            switch test.result {
            case "valid":
                valid += 1
                XCTAssertEqual(try AESGCM.seal(hex(test.msg), key: key, nonce: hex(test.iv), associatedData: hex(test.aad)), sealed, label)
                XCTAssertEqual(try AESGCM.open(sealed, key: key, nonce: hex(test.iv), associatedData: hex(test.aad)), try hex(test.msg), label)
            default:
                XCTAssertThrowsError(try AESGCM.open(sealed, key: key, nonce: hex(test.iv), associatedData: hex(test.aad)), label) {
                    XCTAssertEqual($0 as? CryptoError, .authenticationFailed, label)
                }
            }
        }
        XCTAssertGreaterThan(valid, 0)
    }

    func testHMACSHA256Vectors() throws {
        let file: File<HMACGroup> = try load("wycheproof_hmac_sha256_test.json")
        var count = 0
        for group in file.testGroups {
            for test in group.tests {
                let mac = hmacSHA256(key: try hex(test.key), message: try hex(test.msg))
                let expected = try hex(test.tag)
                let matches = constantTimeEqual(Array(mac.prefix(group.tagSize / 8)), expected)
                XCTAssertEqual(matches, test.result == "valid", "tcId \(test.tcId)")
                count += 1
            }
        }
        XCTAssertGreaterThan(count, 100)
    }

    /// RFC 5869, appendix A.1.
    func testHKDFSHA256() throws {
        let okm = HKDF.sha256(
            inputKey: SecretBytes(copying: try hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b")),
            salt: try hex("000102030405060708090a0b0c"), info: try hex("f0f1f2f3f4f5f6f7f8f9"), length: 42)
        XCTAssertEqual(
            Encoding.hex(okm.bytes),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
    }

    func testConstantTimeEqual() {
        XCTAssertTrue(constantTimeEqual([1, 2, 3], [1, 2, 3]))
        XCTAssertFalse(constantTimeEqual([1, 2, 3], [1, 2, 4]))
        XCTAssertFalse(constantTimeEqual([1, 2, 3], [1, 2]))
        XCTAssertTrue(SecretBytes(copying: [9, 9]).isEqual(to: SecretBytes(copying: [9, 9])))
        XCTAssertFalse(SecretBytes(copying: [9, 9]).isEqual(to: SecretBytes(copying: [9, 8])))
    }

    private func load<T: Decodable>(_ name: String) throws -> T {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }
}

func hex(_ text: String) throws -> [UInt8] {
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        guard let byte = UInt8(text[index..<next], radix: 16) else { throw CryptoError.invalidEncoding("hex") }
        bytes.append(byte)
        index = next
    }
    return bytes
}
