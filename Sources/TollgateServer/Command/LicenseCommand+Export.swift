import ArgumentParser
import Foundation

extension LicenseCommand {
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Writes every license and device as JSON lines, oldest first (hashes only, never a key).",
            discussion: "Moves a server from SQLite to PostgreSQL: export with the old server.yml, import with the new one."
        )

        @OptionGroup var options: ConfigOption
        @Option(name: .shortAndLong, help: "The file to write (default: standard output).")
        var output: String?

        func run() async throws {
            let lines: [String] = try await options.withDatabase(migrate: true) { database in
                let store = database.store
                let licenses = try await store.licenses(LicenseFilter(limit: Int(Int32.max))).reversed()
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                var lines: [String] = []
                for license in licenses {
                    lines.append(String(decoding: try encoder.encode(ArchiveRecord(license)), as: UTF8.self))
                    for device in try await store.devices(licenseID: license.id) {
                        lines.append(String(decoding: try encoder.encode(ArchiveRecord(device)), as: UTF8.self))
                    }
                }
                return lines
            }
            let text = lines.map { $0 + "\n" }.joined()
            if let output {
                // Emails are personal data: the file is readable by its owner only.
                guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
                    throw CommandFailure("error: cannot write \(output)")
                }
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
            }
            let licenses = lines.count { $0.contains(#""type":"license""#) }
            printError("exported \(licenses) license(s) and \(lines.count - licenses) device(s)")
        }
    }
}
