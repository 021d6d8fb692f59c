import Foundation
import XCTest

@testable import TollgateCrypto

final class HumanCodeTests: XCTestCase {
    func testRoundTripAndShape() throws {
        for seed in 0..<50 {
            let bytes = (0..<16).map { UInt8(truncatingIfNeeded: $0 * 37 + seed * 11) }
            let text = HumanCode.encode(.access, bytes)
            XCTAssertEqual(text.count, 34)
            XCTAssertTrue(text.hasPrefix("C"))
            XCTAssertEqual(text.split(separator: "-").map(\.count), [4, 4, 4, 4, 4, 4, 4])
            let decoded = try HumanCode.decode(text)
            XCTAssertEqual(decoded.kind, .access)
            XCTAssertEqual(decoded.bytes, bytes)
        }
    }

    func testReadsWhatPeopleType() throws {
        let bytes = [UInt8](repeating: 0, count: 16)
        let text = HumanCode.encode(.license, bytes)
        XCTAssertEqual(try HumanCode.decode(" " + text.lowercased().replacingOccurrences(of: "-", with: " ") + " ").bytes, bytes)
        // O is read as 0.
        XCTAssertEqual(try HumanCode.decode(text.replacingOccurrences(of: "0", with: "O")).bytes, bytes)
    }

    /// Every single-character substitution is caught by the check character.
    func testCheckCharacterCatchesEveryTypo() throws {
        let text = HumanCode.encode(.access, (0..<16).map { UInt8($0 * 13) })
        let characters = Array(text.replacingOccurrences(of: "-", with: ""))
        for index in characters.indices.dropFirst() {
            for replacement in "0123456789ABCDEFGHJKMNPQRSTVWXYZ" where replacement != characters[index] {
                var typo = characters
                typo[index] = replacement
                XCTAssertThrowsError(try HumanCode.decode(String(typo)), "position \(index) → \(replacement)")
            }
        }
    }

    func testRejectsMalformedText() {
        XCTAssertThrowsError(try HumanCode.decode(""))
        XCTAssertThrowsError(try HumanCode.decode("CABC"))
        XCTAssertThrowsError(try HumanCode.decode("CUUU-UUUU-UUUU-UUUU-UUUU-UUUU-UUUU"))
        let text = HumanCode.encode(.access, [UInt8](repeating: 255, count: 16))
        XCTAssertThrowsError(try HumanCode.decode("X" + text.dropFirst()))
    }
}
