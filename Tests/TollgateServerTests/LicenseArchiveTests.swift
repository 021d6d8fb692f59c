import ArgumentParser
import Foundation
import Logging
import Testing
import TollgateCrypto

@testable import TollgateServer

/// `license export` and `license import`: moving a server from SQLite to PostgreSQL (or to
/// another SQLite file where no PostgreSQL server is reachable).
@Suite("license export and import")
struct LicenseArchiveTests {
    static var targets: [StoreKind] { StoreKind.available.filter { $0 != .memory } }

    func run(_ arguments: [String]) async throws {
        var command = try ServerCommand.parseAsRoot(arguments)
        guard var asyncCommand = command as? any AsyncParsableCommand else { return try command.run() }
        try await asyncCommand.run()
    }

    func config(_ database: String, extra: String = "") throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-archive-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("server.yml").path
        try "tiers: [member, pro]\ndatabase: \(database)\n\(extra)".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("licenses and devices move whole, hashes only; a second import adds nothing; a bad line imports nothing", arguments: targets)
    func roundTrip(target: StoreKind) async throws {
        let sourcePath = try temporaryDatabase()
        let source = try await SQLiteLicenseStore.open(path: sourcePath, logger: Logger(label: "test"))
        var server = TestServer()
        server.store = source
        var keys: [String] = []
        for index in 0..<5 {
            let (_, key) = try await server.issue(index.isMultiple(of: 2) ? ["pro"] : ["member", "pro"], deviceLimit: 3)
            keys.append(key)
        }
        let allKeys = keys
        let tokens: [String] = try await server.test { client in
            var tokens: [String] = []
            for (index, key) in allKeys.enumerated() {
                tokens.append(try #require(try await client.unlock(key, device: "archive-device-\(index)000000").json["device_token"] as? String))
            }
            return tokens
        }
        let before = try await source.licenses(LicenseFilter())
        try await source.close()

        let output = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-export-\(UUID().uuidString).jsonl").path
        try await run(["license", "export", "--config", try config(sourcePath), "--output", output])
        let exported = try Data(contentsOf: URL(fileURLWithPath: output))
        #expect(String(decoding: exported, as: UTF8.self).split(separator: "\n").count == 10)
        #expect((try FileManager.default.attributesOfItem(atPath: output)[.posixPermissions] as? Int) == 0o600)
        for secret in keys + tokens { #expect(exported.range(of: Data(secret.utf8)) == nil) }

        let opened = try await target.open()
        let targetConfig: String
        switch opened.store {
        case let store as PostgresLicenseStore: targetConfig = try config(store.location.url, extra: "database_tls: disable\n")
        case let store as SQLiteLicenseStore: targetConfig = try config(store.path)
        default: Issue.record("unexpected store"); return
        }
        try await run(["license", "import", "--config", targetConfig, output])
        try await run(["license", "import", "--config", targetConfig, output])
        let after = try await opened.store.licenses(LicenseFilter())
        #expect(after == before)
        for (index, token) in tokens.enumerated() {
            let found = try await opened.store.deviceLookup(tokenHash: server.authority.lookupHash(ofDeviceToken: token))
            #expect(found?.device.clientID == "archive-device-\(index)000000")
            #expect(found?.devicesInUse == 1)
        }

        let broken = output + ".broken"
        var lines = String(decoding: exported, as: UTF8.self).split(separator: "\n").map(String.init)
        lines[3] = lines[3].replacingOccurrences(of: #""token_hash":""#, with: #""token_hash":"zz"#)
        let fresh = #"{"created_at":1,"device_limit":3,"id":"lic_00000000000000aa","key_hash":"\#(String(repeating: "ab", count: 32))","source":"cli","status":"active","tiers":["pro"],"type":"license"}"#
        try ([fresh] + lines).joined(separator: "\n").write(toFile: broken, atomically: true, encoding: .utf8)
        await #expect {
            try await run(["license", "import", "--config", targetConfig, broken])
        } throws: { error in
            "\(error)".contains("\(broken):5") && "\(error)".contains("token_hash") && "\(error)".contains("nothing was imported")
        }
        #expect(try await opened.store.license(id: "lic_00000000000000aa") == nil)
        await opened.close()
    }
}
