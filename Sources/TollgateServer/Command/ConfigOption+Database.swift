import Foundation
import Logging

extension ConfigOption {
    /// Runs `body` with the configured database (no master key needed), closing it after.
    func withDatabase<T>(migrate: Bool, _ body: (ServerDatabase) async throws -> T) async throws -> T {
        let configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration.load(from: config)
        } catch {
            throw CommandFailure(error.description)
        }
        var logger = Logger(label: "tollgate-server")
        logger.logLevel = .warning
        let database: ServerDatabase
        do {
            database = try await ServerDatabase.open(configuration, environment: ProcessInfo.processInfo.environment, migrate: migrate, readers: 1, logger: logger)
        } catch {
            throw CommandFailure("error: \(error)")
        }
        do {
            let value = try await body(database)
            try await database.close()
            return value
        } catch {
            try? await database.close()
            if let failure = error as? CommandFailure { throw failure }
            throw CommandFailure("error: \(error)")
        }
    }
}
