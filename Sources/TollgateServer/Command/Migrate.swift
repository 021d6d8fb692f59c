import ArgumentParser
import Foundation

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Brings the database's schema up to date, then exits.",
        discussion: """
        `serve` does the same at start; run this before starting new instances after an upgrade. \
        On PostgreSQL, several instances migrating at once are safe: one runs the steps, the others wait and find nothing to do.
        """
    )

    @OptionGroup var options: ConfigOption

    func run() async throws {
        try await options.withDatabase(migrate: false) { database in
            switch database {
            case .sqlite:
                // Opening the file ran its migrations.
                print("\(database.name): schema up to date")
            case .postgres(let store):
                let applied = try await store.migrate()
                print("\(database.name): \(applied == 0 ? "schema up to date" : "\(applied) migration step(s) applied")")
            }
        }
    }
}
