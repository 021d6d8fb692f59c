import ArgumentParser
import Foundation
import Hummingbird
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Runs the license server until SIGTERM or SIGINT.",
        discussion: "Creates the database (WAL, synchronous=FULL) and runs its migrations when needed. In-flight requests finish before it exits."
    )

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let (configuration, secrets) = try options.load()
        var logger = Logger(label: "tollgate-server")
        logger.logLevel = configuration.logLevel
        let store: SQLiteLicenseStore
        do {
            store = try await SQLiteLicenseStore.open(path: configuration.database, logger: logger)
        } catch {
            throw CommandFailure("error: \(error)")
        }
        // Member lookups come from memory; this server's writes clear it at once, the command
        // line's (another process) within a second.
        let cached = CachingLicenseStore(store)
        let watcher = Task { await cached.watch(every: .seconds(1)) { try await store.dataVersion() } }
        let app = buildApplication(configuration: configuration, secrets: secrets, store: cached, logger: logger)
        do {
            try await app.runService()
        } catch {
            watcher.cancel()
            try? await store.close()
            throw CommandFailure("error: the server stopped: \(error)")
        }
        watcher.cancel()
        _ = await watcher.value
        try await store.close()
        logger.notice("tollgate-server stopped")
    }
}
