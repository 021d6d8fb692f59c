import Foundation
import XCTest

@testable import TollgateCrypto

final class KeyFileTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-keyfile-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func testCreateWritesModeSixHundredAndReadsBack() throws {
        let path = folder.appendingPathComponent(".tollgate/master.key").path
        let key = MasterKey.generate()
        try KeyFile.create(key, at: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertEqual(try KeyFile.read(at: path).fingerprint, key.fingerprint)
    }

    func testRefusesToOverwrite() throws {
        let path = folder.appendingPathComponent("master.key").path
        try KeyFile.create(MasterKey.generate(), at: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try KeyFile.create(MasterKey.generate(), at: path)) {
            XCTAssertEqual($0 as? KeyFile.Problem, .exists(path: path))
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
    }

    func testRefusesAFileOthersCanRead() throws {
        let path = folder.appendingPathComponent("master.key").path
        try KeyFile.create(MasterKey.generate(), at: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        XCTAssertThrowsError(try KeyFile.read(at: path)) {
            XCTAssertEqual($0 as? KeyFile.Problem, .readableByOthers(path: path, mode: "644"))
        }
    }

    func testInvalidContentIsNamedWithoutEchoingIt() throws {
        let path = folder.appendingPathComponent("master.key").path
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: path, contents: Data("c2VjcmV0\n".utf8), attributes: [.posixPermissions: 0o600])
        XCTAssertThrowsError(try KeyFile.read(at: path)) {
            XCTAssertFalse("\($0)".contains("c2VjcmV0"))
            XCTAssertTrue("\($0)".contains(path))
        }
    }

    func testMissingFile() {
        XCTAssertThrowsError(try KeyFile.read(at: "/nonexistent/master.key")) {
            XCTAssertEqual($0 as? KeyFile.Problem, .missing(path: "/nonexistent/master.key"))
        }
    }
}
