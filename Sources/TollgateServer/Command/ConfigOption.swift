import ArgumentParser
import Foundation
import Logging

/// `--config`, shared by every command.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "The server configuration.")
    var config = "server.yml"

    /// The configuration and secrets, or a message-bearing exit.
    func load() throws -> (ServerConfiguration, ServerSecrets) {
        do {
            let configuration = try ServerConfiguration.load(from: config)
            let secrets = try ServerSecrets.load(environment: ProcessInfo.processInfo.environment, configuration: configuration)
            return (configuration, secrets)
        } catch let error as ConfigurationError {
            throw CommandFailure(error.description)
        } catch let error as SecretsError {
            throw CommandFailure("error: \(error.description)")
        }
    }

    /// Runs `body` with a licensing service over the configured database, closing it after.
    func withLicensing<T>(_ body: (Licensing) async throws -> T) async throws -> T {
        let (configuration, secrets) = try load()
        var logger = Logger(label: "tollgate-server")
        logger.logLevel = .warning
        let store: ServerDatabase
        do {
            store = try await ServerDatabase.open(configuration, environment: ProcessInfo.processInfo.environment, readers: 1, logger: logger)
        } catch {
            throw CommandFailure("error: \(error)")
        }
        let licensing = Licensing(configuration: configuration, authority: .init(master: secrets.masterKey), store: store.store)
        do {
            let value = try await body(licensing)
            try await store.close()
            return value
        } catch let error as LicensingError {
            try? await store.close()
            throw CommandFailure("error: \(error.description)")
        } catch {
            try? await store.close()
            throw error
        }
    }
}
