import ArgumentParser
import Foundation
import Hummingbird
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Runs the license server until SIGTERM or SIGINT.",
        discussion: "Creates the database (SQLite: WAL, synchronous=FULL) and runs its migrations when needed (PostgreSQL: safely while other instances start). In-flight requests finish before it exits."
    )

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let (configuration, secrets) = try options.load()
        var logger = Logger(label: "tollgate-server")
        logger.logLevel = configuration.logLevel
        let database: ServerDatabase
        do {
            database = try await ServerDatabase.open(configuration, environment: ProcessInfo.processInfo.environment, logger: logger)
        } catch {
            throw CommandFailure("error: \(error)")
        }
        // Member lookups come from memory; this server's writes clear it at once, the command
        // line's (another process) within a second, and other instances' on PostgreSQL at once.
        let cached = CachingLicenseStore(database.store)
        let watcher = Task { await database.watchChanges(for: cached) }
        let app = buildApplication(configuration: configuration, secrets: secrets, store: cached, logger: logger)
        do {
            try await app.runService()
        } catch {
            watcher.cancel()
            try? await database.close()
            throw CommandFailure("error: the server stopped: \(error)")
        }
        watcher.cancel()
        _ = await watcher.value
        try await database.close()
        logger.notice("tollgate-server stopped")
    }
}
