import ArgumentParser
import Foundation

extension LicenseCommand {
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reads licenses and devices written by `license export` into this server's database.",
            discussion: """
            Every line is checked before anything is written; the licenses go in in one transaction. \
            Licenses already in the database with the same id and key hash are skipped, so a second run adds nothing.
            """
        )

        @OptionGroup var options: ConfigOption
        @Argument(help: "The JSON lines file (`-`: standard input).")
        var file: String

        func run() async throws {
            let (licenses, devices) = try read()
            let (added, skipped, addedDevices) = try await options.withDatabase(migrate: true) { database in
                let store = database.store
                var fresh: [License] = []
                var skipped = 0
                for license in licenses {
                    if let existing = try await store.license(id: license.id) {
                        guard existing.keyHash == license.keyHash else {
                            throw CommandFailure("error: \(license.id) is already in the database with another key; nothing was imported")
                        }
                        skipped += 1
                    } else {
                        fresh.append(license)
                    }
                }
                try await store.insert(fresh)
                var addedDevices = 0
                for device in devices {
                    if case .added = try await store.activate(device, limit: Int(Int32.max)) { addedDevices += 1 }
                }
                return (fresh.count, skipped, addedDevices)
            }
            printError("imported \(added) license(s) (\(skipped) already there) and \(addedDevices) device(s)")
        }

        /// Every line, checked; an error names the line.
        private func read() throws -> ([License], [Device]) {
            let data: Data
            if file == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let contents = FileManager.default.contents(atPath: file) else { throw CommandFailure("error: cannot read \(file)") }
                data = contents
            }
            var licenses: [License] = []
            var devices: [Device] = []
            let decoder = JSONDecoder()
            for (index, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let text = line.trimmingCharacters(in: .whitespaces)
                if text.isEmpty { continue }
                let place = "\(file == "-" ? "<stdin>" : file):\(index + 1)"
                do {
                    let record = try decoder.decode(ArchiveRecord.self, from: Data(text.utf8))
                    switch record.type {
                    case "license": licenses.append(try record.license())
                    case "device": devices.append(try record.device())
                    default: throw ArchiveProblem("'type' must be license or device, not '\(record.type)'")
                    }
                } catch let problem as ArchiveProblem {
                    throw CommandFailure("error: \(place): \(problem.message); nothing was imported")
                } catch {
                    throw CommandFailure("error: \(place): not a line of `license export` (\(error)); nothing was imported")
                }
            }
            let ids = Set(licenses.map(\.id))
            if let orphan = devices.first(where: { !ids.contains($0.licenseID) }) {
                throw CommandFailure("error: device \(orphan.id) belongs to \(orphan.licenseID), which is not in the file; nothing was imported")
            }
            return (licenses, devices)
        }
    }
}
